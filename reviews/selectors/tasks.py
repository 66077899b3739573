"""What a person owes in open cycles ("My tasks"), by the rules of `reviews.obligations`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews import obligations
from reviews.models import Assessment, AssessmentRole, PeerRequest, Phase, Review
from reviews.services.common import (
    RESULTS_SHOWN,
    assessment_deadline,
    is_peer_window_open,
    is_reopenable,
)


@dataclass
class Task:
    label: str
    url: str
    deadline: object = None
    # When the task can first be done, if not yet (a peer request before the review phase).
    opens: object = None


def person_tasks(*, person: Person) -> dict[str, list[Task]]:
    """Everything a person owes in open cycles, by kind, soonest deadline first."""
    tasks: dict[str, list[Task]] = {
        "self_assessments": [],
        "peer_requests": [],
        "leader_reviews": [],
    }
    reopened = _reopened_tasks(person)
    for kind, task, _key in reopened:
        tasks[kind].append(task)
    skip = {key for _kind, _task, key in reopened}
    own = (
        Review.objects.filter(person=person, cycle__phase=Phase.SELF_ASSESSMENT)
        .filter(obligations.owes_self_assessment())
        .select_related("cycle")
    )
    for review in own:
        if (review.pk, AssessmentRole.SELF) in skip:
            continue
        tasks["self_assessments"].append(
            Task(
                _("Self-assessment: %(cycle)s") % {"cycle": review.cycle.name},
                reverse("reviews:self_assessment", args=[review.pk]),
                review.cycle.self_assessment_deadline,
            )
        )
    published = (
        Review.objects.filter(person=person, cycle__phase=Phase.PUBLISHED)
        .filter(obligations.owes_acknowledgement())
        .select_related("cycle")
    )
    for review in published:
        tasks["self_assessments"].append(
            Task(
                _("Read and acknowledge your result: %(cycle)s") % {"cycle": review.cycle.name},
                reverse("reviews:result_detail", args=[review.pk]),
                review.cycle.acknowledgement_deadline,
            )
        )
    requests = (
        PeerRequest.objects.filter(
            peer=person, review__cycle__phase__in=[Phase.SELF_ASSESSMENT, Phase.REVIEW]
        )
        .filter(obligations.PEER_ANSWER_OWED)
        .select_related("review__person", "review__cycle")
    )
    for request in requests:
        if (request.review_id, AssessmentRole.PEER) in skip:
            continue
        cycle = request.review.cycle
        if cycle.phase == Phase.REVIEW and not is_peer_window_open(cycle):
            continue  # past the peer feedback deadline: the request can no longer be answered
        tasks["peer_requests"].append(
            Task(
                _("Feedback for %(name)s (%(cycle)s)")
                % {"name": request.review.person, "cycle": cycle.name},
                reverse("reviews:peer_request", args=[request.pk]),
                cycle.peer_answers_deadline,
                # Approved early: answerable once HR opens the review phase, which comes
                # after the self-assessment deadline.
                opens=cycle.self_assessment_deadline
                if cycle.phase == Phase.SELF_ASSESSMENT
                else None,
            )
        )
    led = (
        Review.objects.filter(leader=person, cycle__phase__in=[Phase.SELF_ASSESSMENT, Phase.REVIEW])
        .select_related("cycle", "person")
        .annotate(
            has_leader_submitted=obligations.has_submitted(AssessmentRole.LEADER),
            has_nominations_waiting=Exists(
                PeerRequest.objects.filter(review=OuterRef("pk")).filter(
                    obligations.NOMINATION_WAITING
                )
            ),
        )
    )
    for review in led:
        if review.cycle.phase == Phase.SELF_ASSESSMENT and review.has_nominations_waiting:
            tasks["leader_reviews"].append(
                Task(
                    _("Approve peers for %(name)s (%(cycle)s)")
                    % {"name": review.person, "cycle": review.cycle.name},
                    reverse("reviews:peers", args=[review.pk]),
                    review.cycle.self_assessment_deadline,
                )
            )
        elif (
            review.cycle.phase == Phase.REVIEW
            and not review.has_leader_submitted
            and (review.pk, AssessmentRole.LEADER) not in skip
        ):
            tasks["leader_reviews"].append(
                Task(
                    _("Review %(name)s (%(cycle)s)")
                    % {"name": review.person, "cycle": review.cycle.name},
                    reverse("reviews:leader_review", args=[review.pk]),
                    review.cycle.review_deadline,
                )
            )
    for items in tasks.values():
        items.sort(key=lambda task: (task.deadline is None, task.deadline))
    return tasks


def _reopened_tasks(person: Person) -> list[tuple[str, Task, tuple[int, str]]]:
    """The person's assessments HR reopened and that are still open: (task kind, task,
    (review id, role)). They replace the phase's own task for that assessment, since
    their deadline is HR's and they may outlast the phase."""
    reopened = list(
        Assessment.objects.filter(
            assessor=person, submitted_at__isnull=True, open_until__gt=timezone.now()
        )
        .exclude(review__cycle__phase__in=RESULTS_SHOWN)
        .select_related("review__person", "review__cycle")
    )
    peer_review_ids = [a.review_id for a in reopened if a.role == AssessmentRole.PEER]
    requests = (
        dict(
            PeerRequest.objects.filter(peer=person, review_id__in=peer_review_ids).values_list(
                "review_id", "pk"
            )
        )
        if peer_review_ids
        else {}
    )
    found = []
    for assessment in reopened:
        review, cycle = assessment.review, assessment.review.cycle
        if not is_reopenable(assessment, cycle):  # a peer's, after the peer window
            continue
        deadline = assessment_deadline(assessment, cycle)
        names = {"name": review.person, "cycle": cycle.name}
        if assessment.role == AssessmentRole.SELF:
            kind = "self_assessments"
            label = _("Reopened by HR: your self-assessment (%(cycle)s)") % names
            url = reverse("reviews:self_assessment", args=[review.pk])
        elif assessment.role == AssessmentRole.LEADER:
            kind = "leader_reviews"
            label = _("Reopened by HR: your review of %(name)s (%(cycle)s)") % names
            url = reverse("reviews:leader_review", args=[review.pk])
        elif review.pk in requests:
            kind = "peer_requests"
            label = _("Reopened by HR: your feedback for %(name)s (%(cycle)s)") % names
            url = reverse("reviews:peer_request", args=[requests[review.pk]])
        else:
            continue
        found.append((kind, Task(label, url, deadline), (review.pk, assessment.role)))
    return found

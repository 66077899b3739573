"""What a person owes in open cycles ("My tasks"), by the rules of `reviews.obligations`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews import obligations
from reviews.models import AssessmentRole, PeerRequest, Phase, Review


@dataclass
class Task:
    label: str
    url: str
    deadline: object = None


def person_tasks(*, person: Person) -> dict[str, list[Task]]:
    """Everything a person owes in open cycles, by kind, soonest deadline first."""
    tasks: dict[str, list[Task]] = {
        "self_assessments": [],
        "peer_requests": [],
        "leader_reviews": [],
    }
    own = (
        Review.objects.filter(person=person, cycle__phase=Phase.SELF_ASSESSMENT)
        .filter(obligations.owes_self_assessment())
        .select_related("cycle")
    )
    for review in own:
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
        PeerRequest.objects.filter(peer=person, review__cycle__phase=Phase.REVIEW)
        .filter(obligations.PEER_ANSWER_OWED)
        .select_related("review__person", "review__cycle")
    )
    for request in requests:
        tasks["peer_requests"].append(
            Task(
                _("Feedback for %(name)s (%(cycle)s)")
                % {"name": request.review.person, "cycle": request.review.cycle.name},
                reverse("reviews:peer_request", args=[request.pk]),
                request.review.cycle.review_deadline,
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
        elif review.cycle.phase == Phase.REVIEW and not review.has_leader_submitted:
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

"""What a person owes in open cycles ("My tasks")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from appraisal.models import Person
from reviews.models import (
    AssessmentRole,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    Review,
)
from reviews.selectors.reviews import _submitted


@dataclass
class Task:
    label: str
    url: str
    deadline: object = None


def person_tasks(*, person: Person) -> dict[str, list[Task]]:
    """Everything a person owes in open cycles, by kind, soonest deadline first."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    tasks: dict[str, list[Task]] = {
        "self_assessments": [],
        "peer_requests": [],
        "leader_reviews": [],
    }
    own = (
        Review.objects.filter(person=person, cycle__phase=Phase.SELF_ASSESSMENT)
        .exclude(assessments__role=AssessmentRole.SELF, assessments__submitted_at__isnull=False)
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
        Review.objects.filter(person=person, cycle__phase=Phase.PUBLISHED, result__isnull=False)
        .filter(acknowledgement__isnull=True)
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
    requests = PeerRequest.objects.filter(
        peer=person, status=PeerRequestStatus.APPROVED, review__cycle__phase=Phase.REVIEW
    ).select_related("review__person", "review__cycle")
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
            has_leader_submitted=_submitted(AssessmentRole.LEADER),
            nominations=Count(
                "peer_requests", filter=Q(peer_requests__status=PeerRequestStatus.NOMINATED)
            ),
        )
    )
    for review in led:
        if review.cycle.phase == Phase.SELF_ASSESSMENT and review.nominations:
            tasks["leader_reviews"].append(
                Task(
                    _("Approve peers for %(name)s") % {"name": review.person},
                    reverse("reviews:peers", args=[review.pk]),
                    review.cycle.self_assessment_deadline,
                )
            )
        elif review.cycle.phase == Phase.REVIEW and not review.has_leader_submitted:
            tasks["leader_reviews"].append(
                Task(
                    _("Review %(name)s") % {"name": review.person},
                    reverse("reviews:leader_review", args=[review.pk]),
                    review.cycle.review_deadline,
                )
            )
    for items in tasks.values():
        items.sort(key=lambda task: (task.deadline is None, task.deadline))
    return tasks

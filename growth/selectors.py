"""Reads of development plans, each in a fixed number of queries whatever the number of
actions. Who may read which plan is asked of growth.permissions by the views."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from appraisal.models import Person
from reviews.models import Assessment, AssessmentRole, Review
from reviews.permissions import RESULTS_VISIBLE_PHASES

from .models import DevelopmentAction, DevelopmentPlan


def _with_actions(plans: QuerySet) -> QuerySet:
    return plans.select_related("review__cycle").prefetch_related(
        Prefetch("actions", queryset=DevelopmentAction.objects.select_related("owner__team"))
    )


def _latest_earlier_review(review: Review) -> Subquery:
    """The same person's review in the latest earlier published (or closed) cycle, by
    period: the one whose plan this review carries."""
    return Subquery(
        Review.objects.filter(
            person_id=review.person_id,
            cycle__phase__in=RESULTS_VISIBLE_PHASES,
            cycle__period_start__lt=review.cycle.period_start,
        )
        .order_by("-cycle__period_start", "-cycle_id")
        .values("pk")[:1]
    )


def plan_get(*, review: Review) -> DevelopmentPlan | None:
    """The review's plan with its actions and their owners (two queries), or None."""
    return _with_actions(DevelopmentPlan.objects.filter(review=review)).first()


def previous_plan_get(*, review: Review) -> DevelopmentPlan | None:
    """The plan carried into this review (the latest earlier published review's), with its
    actions, or None when that review has none. Two queries."""
    return _with_actions(
        DevelopmentPlan.objects.filter(review=_latest_earlier_review(review))
    ).first()


def previous_action_get(*, review: Review, pk: int) -> DevelopmentAction:
    """An action of the plan carried into `review`; 404 for any other."""
    return get_object_or_404(
        DevelopmentAction.objects.filter(plan__review=_latest_earlier_review(review)), pk=pk
    )


@dataclass(frozen=True)
class PlanSummary:
    """What the leader's link to a plan says: how many actions (None: no plan yet), and
    the cycle of the plan carried in from before, if there is one."""

    action_count: int | None
    previous_cycle: str | None


def plan_summary(*, review: Review) -> PlanSummary:
    """Two queries."""
    counts = list(
        DevelopmentPlan.objects.filter(review=review)
        .annotate(count=Count("actions"))
        .values_list("count", flat=True)
    )
    previous_cycle = (
        DevelopmentPlan.objects.filter(review=_latest_earlier_review(review))
        .values_list("review__cycle__name", flat=True)
        .first()
    )
    return PlanSummary(counts[0] if counts else None, previous_cycle)


def assessment_of(*, review: Review, role: str) -> Assessment:
    """The PM's own (role self) or their leader's assessment of the review; unsaved when
    not started yet, so the permission rules can still be asked of it."""
    assessor_id = review.person_id if role == AssessmentRole.SELF else review.leader_id
    found = Assessment.objects.filter(review=review, role=role, assessor_id=assessor_id).first()
    return found or Assessment(review=review, role=role, assessor_id=assessor_id)


def support_needed(*, review: Review) -> str:
    """What the PM said they need, in their submitted self-assessment: the plan starts there."""
    return (
        Assessment.objects.filter(
            review=review, role=AssessmentRole.SELF, submitted_at__isnull=False
        )
        .values_list("support_needed", flat=True)
        .first()
        or ""
    )


def owner_choices() -> list[tuple[int, str]]:
    """Everyone in the company who may own an action, as (id, "name · team"). One query."""
    return [
        (pk, f"{name} · {team}")
        for pk, name, team in Person.objects.filter(user__is_active=True)
        .order_by("name", "pk")
        .values_list("pk", "name", "team__name")
    ]

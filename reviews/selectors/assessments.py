"""Reads behind the assessment pages: the cycle's items, the saved ratings and actuals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reviews.models import (
    Assessment,
    AssessmentRole,
    Cycle,
    CycleCompetency,
    CycleKpi,
    KpiActual,
    Rating,
    Reopening,
    Review,
)
from reviews.services.common import assessment_closed_reason, assessment_deadline


def cycle_items(cycle: Cycle) -> tuple[list[CycleKpi], list[CycleCompetency]]:
    return (
        list(cycle.kpi_items.select_related("kpi")),
        list(cycle.competency_items.select_related("competency")),
    )


def actuals_by_item(review: Review) -> dict[int, KpiActual]:
    return {actual.item_id: actual for actual in KpiActual.objects.filter(review=review)}


def ratings_by_item(assessment: Assessment | None) -> dict[int, Rating]:
    if assessment is None:
        return {}
    return {rating.competency_id: rating for rating in assessment.ratings.all()}


def submitted_self_assessment(*, review: Review) -> Assessment | None:
    """The PM's self-assessment, once submitted (the leader reads it beside their own)."""
    return review.assessments.filter(role=AssessmentRole.SELF, submitted_at__isnull=False).first()


def submitted_assessment_rows(*, review_ids: list[int]) -> list[tuple[int, str, str, str]]:
    """(pk, role, PM's name, assessor's name) of the submitted assessments of these
    reviews, by PM and role: what HR may reopen. Read as values, one query."""
    return list(
        Assessment.objects.filter(review__in=review_ids, submitted_at__isnull=False)
        .order_by("review__person__name", "role")
        .values_list("pk", "role", "review__person__name", "assessor__name")
    )


@dataclass
class Reopened:
    """HR reopened the assessment: why, and until when its owner may change it."""

    reason: str
    until: datetime


def reopened_get(assessment: Assessment, cycle: Cycle) -> Reopened | None:
    """The notice an owner reads on a reopened assessment while it is open again."""
    if assessment.open_until is None or assessment_closed_reason(assessment, cycle):
        return None
    reopening = (
        Reopening.objects.filter(assessment=assessment).order_by("-reopened_at", "-pk").first()
    )
    return Reopened(
        reason=reopening.reason if reopening else "",
        until=assessment_deadline(assessment, cycle),
    )

"""Reads behind the assessment pages: the cycle's items, the saved ratings and actuals."""

from __future__ import annotations

from reviews.models import (
    Assessment,
    Cycle,
    CycleCompetency,
    CycleKpi,
    KpiActual,
    Rating,
    Review,
)


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

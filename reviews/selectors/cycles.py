"""Reads of review cycles."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from appraisal.models import Person
from reviews.models import (
    Cycle,
    Phase,
)


def cycle_list() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("template").annotate(participant_count=Count("reviews"))


def cycles_led_by(*, leader: Person) -> QuerySet[Cycle]:
    """Open cycles in which the leader reviews someone, with how many."""
    return (
        Cycle.objects.filter(reviews__leader=leader)
        .exclude(phase__in=[Phase.DRAFT, Phase.CLOSED])
        .annotate(led_count=Count("reviews", filter=Q(reviews__leader=leader)))
        .order_by("-period_start")
    )


def cycle_get(*, pk: int) -> Cycle:
    """The cycle with its template and creator, or 404."""
    return get_object_or_404(Cycle.objects.select_related("template", "created_by"), pk=pk)

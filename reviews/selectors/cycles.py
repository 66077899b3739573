"""Reads of review cycles."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from appraisal.models import Person
from appraisal.selectors import person_for_user
from reviews import permissions
from reviews.models import (
    Assessment,
    AssessmentRole,
    Cycle,
    Phase,
    PhaseChange,
    Review,
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


def cycle_phase_changes(*, cycle: Cycle) -> QuerySet[PhaseChange]:
    """The cycle's phase moves, with who moved it."""
    return cycle.phase_changes.select_related("moved_by")


def cycle_review_get(*, cycle: Cycle, pk: int) -> Review:
    """One review of the cycle, with its PM, or 404."""
    return get_object_or_404(Review.objects.select_related("person"), pk=pk, cycle=cycle)


def is_leader_in_cycle(*, cycle: Cycle, person: Person | None) -> bool:
    """Does the person lead someone reviewed in the cycle?"""
    return person is not None and cycle.reviews.filter(leader=person).exists()


def team_cycle_get(*, user, pk: int) -> tuple[Cycle, Person]:
    """The cycle and its leader, for a leader who reviews someone in it; 404 otherwise."""
    cycle = cycle_get(pk=pk)
    leader = person_for_user(user=user)
    if not is_leader_in_cycle(cycle=cycle, person=leader):
        raise Http404
    return cycle, leader


def actuals_upload_cycle_get(*, user, pk: int) -> tuple[Cycle, int | None]:
    """The cycle, for HR or a leader who reviews someone in it, and the leader whose
    reports an upload is limited to (None: HR, every PM); 404 for anyone else."""
    cycle = cycle_get(pk=pk)
    if permissions.can_manage_cycles(user):
        return cycle, None
    leader = person_for_user(user=user)
    if not is_leader_in_cycle(cycle=cycle, person=leader):
        raise Http404
    return cycle, leader.pk


def overlapping_participations(*, cycle: Cycle, person_ids) -> list[tuple[Cycle, list[Person]]]:
    """The other cycles, not closed, whose period overlaps `cycle`'s and in which some of
    these people are already reviewed, each with those people (cycles by period, people
    by name). The one rule of "overlapping": the periods share at least one day."""
    reviews = (
        Review.objects.filter(
            person_id__in=list(person_ids),
            cycle__period_start__lte=cycle.period_end,
            cycle__period_end__gte=cycle.period_start,
        )
        .exclude(cycle=cycle)
        .exclude(cycle__phase=Phase.CLOSED)
        .select_related("cycle", "person__user")
        .order_by("cycle__period_start", "cycle_id")
    )
    grouped: dict[int, tuple[Cycle, list[Person]]] = {}
    for review in reviews:
        grouped.setdefault(review.cycle_id, (review.cycle, []))[1].append(review.person)
    return [(other, sorted(people, key=str)) for other, people in grouped.values()]


def actuals_example_rows(*, cycle: Cycle, leader_id: int | None) -> list[tuple[str, str]]:
    """(PM, KPI key) for every actual an upload to this cycle may still write: each PM of
    the cycle (a leader's own reports only) whose self-assessment is not submitted, by
    every KPI of the cycle's scorecard. Two queries."""
    submitted = Assessment.objects.filter(
        review__cycle=cycle, role=AssessmentRole.SELF, submitted_at__isnull=False
    )
    reviews = Review.objects.filter(cycle=cycle).exclude(pk__in=submitted.values("review_id"))
    if leader_id is not None:
        reviews = reviews.filter(leader_id=leader_id)
    pms = list(
        reviews.order_by("person__employee_id").values_list("person__employee_id", flat=True)
    )
    kpis = list(cycle.kpi_items.order_by("position").values_list("kpi__key", flat=True))
    return [(pm, kpi) for pm in pms for kpi in kpis]

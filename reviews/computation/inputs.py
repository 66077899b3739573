"""A cycle's inputs for the pure engine (kpis.scoring): its frozen scorecard, and every
participant's ratings and actuals, read in a fixed handful of set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Max, Q

from kpis import scoring
from kpis.services import plain_decimal as plain
from reviews.models import (
    AssessmentRole,
    Cycle,
    KpiActual,
    Rating,
    Review,
)

# Rows are read through server-side cursors on PostgreSQL (fetchmany elsewhere), so the
# driver never holds a whole cycle's ratings at once (1.4 million rows at 10,000 PMs).
READ_CHUNK = 20_000


def cycle_inputs(cycle: Cycle) -> tuple[scoring.Scorecard, list[scoring.ParticipantInput]]:
    """Every participant's inputs, in 6 queries whatever the number of PMs.

    The actual that counts is the verified one, else the reported one; an excused KPI is
    left out. Only submitted assessments count.
    """
    card = cycle.scoring_card
    reviews = list(
        Review.objects.filter(cycle=cycle)
        .order_by("pk")
        .values_list("pk", "team_id", "adjustment", "adjustment_reason")
    )
    kpi_keys = {int(item.key): item.key for item in card.kpis}
    actuals: dict[int, dict[str, object]] = defaultdict(dict)
    for review_id, item_id, reported, verified, excused in (
        KpiActual.objects.filter(review__cycle=cycle)
        .values_list("review_id", "item_id", "reported_value", "verified_value", "excused_reason")
        .iterator(chunk_size=READ_CHUNK)
    ):
        if excused:
            actuals[review_id][kpi_keys[item_id]] = scoring.Excused(excused)
        elif verified is not None or reported is not None:
            actuals[review_id][kpi_keys[item_id]] = plain(
                verified if verified is not None else reported
            )
    competency_keys = {int(item.key): item.key for item in card.competencies}
    given: dict[int, dict[str, scoring.CompetencyRatings]] = defaultdict(dict)
    for review_id, competency_id, own, leader, peers in _ratings_by_item(cycle):
        given[review_id][competency_keys[competency_id]] = scoring.CompetencyRatings(
            self_rating=own, leader_rating=leader, peer_ratings=tuple(peers)
        )
    return card, [
        scoring.ParticipantInput(
            id=str(review_id),
            team=str(team_id),
            actuals=actuals.get(review_id, {}),
            ratings=given.pop(review_id, {}),
            adjustment=plain(adjustment),
            adjustment_reason=reason,
        )
        for review_id, team_id, adjustment, reason in reviews
    ]


def name_order(cycle: Cycle) -> dict[str, int]:
    """Each review's place among the cycle's by its PM's name as the database collates it,
    then by its id (keyed as the engine keys participants): the second key of a result's
    position (`writers.result_positions`). One query."""
    return {
        str(review_id): place
        for place, review_id in enumerate(
            Review.objects.filter(cycle=cycle)
            .order_by("person__name", "pk")
            .values_list("pk", flat=True)
        )
    }


def _ratings_by_item(cycle: Cycle) -> Iterator[tuple[int, int, int | None, int | None, list]]:
    """The submitted ratings of the cycle, one row per (review, competency) rated: review
    id, competency item id, self rating, leader rating, peer ratings (None is N/A, in no
    particular order: the engine sorts them).

    PostgreSQL groups them (ARRAY_AGG for the peers, unsorted: sorting each group cost a
    quarter of the query): a seventh of the rows to fetch and build in Python. Elsewhere
    the rows are grouped here."""
    submitted = Rating.objects.filter(
        assessment__review__cycle=cycle, assessment__submitted_at__isnull=False
    ).order_by()
    role = "assessment__role"
    if connection.vendor == "postgresql":
        grouped = submitted.values_list("assessment__review_id", "competency_id").annotate(
            own=Max("value", filter=Q(**{role: AssessmentRole.SELF})),
            leader=Max("value", filter=Q(**{role: AssessmentRole.LEADER})),
            peers=ArrayAgg("value", filter=Q(**{role: AssessmentRole.PEER}), default=[]),
        )
        # The rows as the driver gives them (ints and lists already): Django's per-row
        # converters would cost 0.4 s at 10,000 PMs for nothing.
        sql, params = grouped.query.sql_with_params()
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(READ_CHUNK):
                yield from rows
        return
    grouped: dict[tuple[int, int], list] = {}
    peer = AssessmentRole.PEER.value
    slot = {AssessmentRole.SELF.value: 0, AssessmentRole.LEADER.value: 1}
    for review_id, competency_id, rater, value in submitted.values_list(
        "assessment__review_id", "competency_id", role, "value"
    ).iterator(chunk_size=READ_CHUNK):
        entry = grouped.get((review_id, competency_id))
        if entry is None:
            entry = grouped[review_id, competency_id] = [None, None, []]
        if rater == peer:
            entry[2].append(value)
        else:
            entry[slot[rater]] = value
    for (review_id, competency_id), (own, leader, peers) in grouped.items():
        yield review_id, competency_id, own, leader, peers

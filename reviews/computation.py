"""compute_cycle's work: read a cycle's inputs in a fixed handful of set-based queries,
score everyone with the pure engine (kpis.scoring), and write every result in one
transaction. A run that fails leaves the previous results as they were; a rerun on the
same inputs writes the same values (results are upserted by review, never duplicated).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import scoring
from kpis.services import plain_decimal as plain

from .explanations import pack
from .models import (
    AssessmentRole,
    ComputationJob,
    Cycle,
    CycleCompetency,
    CycleKpi,
    JobStatus,
    JobTrigger,
    KpiActual,
    Rating,
    Result,
    Review,
)

RESULT_FIELDS = [
    "cycle",
    "kpi_score",
    "competency_score",
    "final_score",
    "rank",
    "team_rank",
    "grade",
    "bonus_multiplier",
    "flags",
    "explanation",
    "computed_at",
]


def _decimal_table(table: dict) -> dict[str, Decimal]:
    return {str(key): Decimal(str(value)) for key, value in table.items()}


def _in_order(table: dict[str, Decimal], order: list[str]) -> dict[str, Decimal]:
    """A grade table best first (the engine reads grades in the table's order)."""
    return {grade: table[grade] for grade in order if grade in table} | table


def cycle_scorecard(cycle: Cycle) -> scoring.Scorecard:
    """The cycle's frozen scorecard as the pure engine's Scorecard (2 queries)."""
    settings = cycle.scorecard
    grading = settings.get("grading", {})
    kpis = tuple(
        scoring.KpiItem(
            key=str(item.pk),
            direction=item.direction,
            threshold=plain(item.threshold),
            target=plain(item.target),
            stretch=plain(item.stretch),
            weight=plain(item.weight),
        )
        for item in CycleKpi.objects.filter(cycle=cycle).order_by("position", "pk")
    )
    competencies = tuple(
        scoring.CompetencyItem(key=str(item.pk), weight=plain(item.weight))
        for item in CycleCompetency.objects.filter(cycle=cycle).order_by("position", "pk")
    )
    sections = _decimal_table(settings.get("section_weights", {"kpi": 60, "competency": 40}))
    sources = _decimal_table(settings.get("source_weights", {"self": 20, "leader": 50, "peer": 30}))
    return scoring.Scorecard(
        kpis=kpis,
        competencies=competencies,
        scale=scoring.Scale(lo=int(settings["scale"]["lo"]), hi=int(settings["scale"]["hi"])),
        section_weights={
            scoring.Section.KPI: sections["kpi"],
            scoring.Section.COMPETENCY: sections["competency"],
        },
        source_weights={
            scoring.Source.SELF: sources["self"],
            scoring.Source.LEADER: sources["leader"],
            scoring.Source.PEER: sources["peer"],
        },
        min_peer_responses=int(settings.get("min_peer_responses", 3)),
        stretch_cap=Decimal(str(settings.get("stretch_cap", 120))),
        max_adjustment=Decimal(str(settings.get("max_adjustment", 10))),
        grading=scoring.Grading(
            mode=grading.get("mode", "bands"),
            bands=_in_order(_decimal_table(grading.get("bands", {})), cycle.grades),
            quotas=_in_order(_decimal_table(grading.get("quotas", {})), cycle.grades),
        ),
        bonus_multipliers=_decimal_table(settings.get("bonus_multipliers", {})),
    )


def cycle_inputs(cycle: Cycle) -> tuple[scoring.Scorecard, list[scoring.ParticipantInput]]:
    """Every participant's inputs, in 5 queries whatever the number of PMs.

    The actual that counts is the verified one, else the reported one; an excused KPI is
    left out. Only submitted assessments count.
    """
    card = cycle_scorecard(cycle)
    reviews = list(
        Review.objects.filter(cycle=cycle)
        .order_by("pk")
        .values_list("pk", "team_id", "adjustment", "adjustment_reason")
    )
    actuals: dict[int, dict[str, object]] = defaultdict(dict)
    for review_id, item_id, reported, verified, excused in KpiActual.objects.filter(
        review__cycle=cycle
    ).values_list("review_id", "item_id", "reported_value", "verified_value", "excused_reason"):
        if excused:
            actuals[review_id][str(item_id)] = scoring.Excused(excused)
        elif verified is not None or reported is not None:
            actuals[review_id][str(item_id)] = plain(verified if verified is not None else reported)
    given: dict[int, dict[str, dict]] = defaultdict(
        lambda: defaultdict(lambda: {"self": None, "leader": None, "peers": []})
    )
    for review_id, role, competency_id, value in Rating.objects.filter(
        assessment__review__cycle=cycle, assessment__submitted_at__isnull=False
    ).values_list("assessment__review_id", "assessment__role", "competency_id", "value"):
        entry = given[review_id][str(competency_id)]
        if role == AssessmentRole.PEER:
            entry["peers"].append(value)
        else:
            entry[role] = value
    participants = [
        scoring.ParticipantInput(
            id=str(review_id),
            team=str(team_id),
            actuals=actuals.get(review_id, {}),
            ratings={
                key: scoring.CompetencyRatings(
                    self_rating=entry["self"],
                    leader_rating=entry["leader"],
                    peer_ratings=tuple(entry["peers"]),
                )
                for key, entry in given.get(review_id, {}).items()
            },
            adjustment=plain(adjustment),
            adjustment_reason=reason,
        )
        for review_id, team_id, adjustment, reason in reviews
    ]
    return card, participants


def _set_job(job_id: int | None, **fields) -> None:
    if job_id is not None:
        ComputationJob.objects.filter(pk=job_id).update(**fields)


def cycle_compute(*, cycle_id: int, job_id: int | None = None) -> int:
    """Score, rank and grade every PM of the cycle and write the results; return how many.

    Progress is written to the job row between stages (outside the results transaction,
    so the page sees it while the run goes on)."""
    cycle = Cycle.objects.get(pk=cycle_id)
    _set_job(job_id, progress=10, stage=_("Reading ratings and actuals"))
    card, participants = cycle_inputs(cycle)
    _set_job(job_id, progress=40, stage=_("Scoring"), participant_count=len(participants))
    results = scoring.score_cycle(card, participants)
    _set_job(job_id, progress=70, stage=_("Saving results"))
    now = timezone.now()
    packed: dict = {}
    rows = [
        Result(
            review_id=int(result.id),
            cycle_id=cycle.pk,
            kpi_score=result.kpi_score,
            competency_score=result.competency_score,
            final_score=result.final_score,
            rank=result.rank,
            team_rank=result.team_rank,
            grade=result.grade or "",
            bonus_multiplier=result.bonus_multiplier,
            flags=list(result.flags),
            explanation=pack(result.explanation, packed),
            computed_at=now,
        )
        for result in results
    ]
    with transaction.atomic():
        Result.objects.filter(cycle=cycle).exclude(
            review_id__in=[row.review_id for row in rows]
        ).delete()
        Result.objects.bulk_create(
            rows,  # one statement on PostgreSQL; Django splits it where a backend needs to
            update_conflicts=True,
            unique_fields=["review"],
            update_fields=RESULT_FIELDS,
        )
    return len(rows)


def compute_request(
    *, cycle: Cycle, trigger: str = JobTrigger.MANUAL, requested_by=None, countdown: int = 0
) -> ComputationJob:
    """Queue a computation of the cycle, or join the one already waiting (coalescing a
    burst of triggers into one run). The task starts after the caller's transaction."""
    from .tasks import compute_cycle

    waiting = ComputationJob.objects.filter(cycle=cycle, status=JobStatus.QUEUED).first()
    if waiting is not None:
        expedite = countdown == 0 and trigger == JobTrigger.MANUAL
        if expedite and waiting.trigger != JobTrigger.MANUAL:
            # HR asked now: start the waiting job now rather than when its delay ends. The
            # first message to arrive claims the job; the delayed one then finds it done.
            ComputationJob.objects.filter(pk=waiting.pk).update(
                trigger=JobTrigger.MANUAL, requested_by=requested_by
            )
            waiting.trigger = JobTrigger.MANUAL
            transaction.on_commit(
                lambda: compute_cycle.apply_async(
                    kwargs={"cycle_id": cycle.pk, "job_id": waiting.pk}
                )
            )
        return waiting
    try:
        with transaction.atomic():
            job = ComputationJob.objects.create(
                cycle=cycle, trigger=trigger, requested_by=requested_by
            )
    except IntegrityError:  # another request queued one a moment ago: join it
        return ComputationJob.objects.get(cycle=cycle, status=JobStatus.QUEUED)
    transaction.on_commit(
        lambda: compute_cycle.apply_async(
            kwargs={"cycle_id": cycle.pk, "job_id": job.pk}, countdown=countdown
        )
    )
    return job


def last_good_job(cycle: Cycle) -> ComputationJob | None:
    return (
        ComputationJob.objects.filter(cycle=cycle, status=JobStatus.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )

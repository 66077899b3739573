"""compute_cycle's work: read a cycle's inputs in a fixed handful of set-based queries,
score everyone with the pure engine (kpis.scoring), and write every result in one
transaction. A run that fails leaves the previous results as they were; a rerun on the
same inputs writes the same values (results are upserted by review, never duplicated).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import pickle
import signal
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import BinaryIO, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import scoring
from kpis.services import plain_decimal as plain

from .explanations import pack, pack_json
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

_T = TypeVar("_T")

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
    "digest",
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


# Rows are read through server-side cursors on PostgreSQL (fetchmany elsewhere), so the
# driver never holds a whole cycle's ratings at once (1.4 million rows at 10,000 PMs).
READ_CHUNK = 20_000


def cycle_inputs(cycle: Cycle) -> tuple[scoring.Scorecard, list[scoring.ParticipantInput]]:
    """Every participant's inputs, in 6 queries whatever the number of PMs.

    The actual that counts is the verified one, else the reported one; an excused KPI is
    left out. Only submitted assessments count.
    """
    card = cycle_scorecard(cycle)
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


def _set_job(job_id: int | None, **fields) -> None:
    if job_id is not None:
        ComputationJob.objects.filter(pk=job_id).update(**fields)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting still frees memory).

    A run allocates millions of small objects that live until it ends (inputs, steps,
    results) and makes no reference cycles worth collecting, so each automatic collection
    rescans all of them for nothing: about a quarter of the run's time at 1,000 PMs, and
    more as N grows (bench/RESULTS.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cycle_compute(*, cycle_id: int, job_id: int | None = None) -> int:
    """Score, rank and grade every PM of the cycle and write the results; return how many.

    Progress is written to the job row between stages (outside the results transaction,
    so the page sees it while the run goes on)."""
    with _cyclic_gc_paused():
        return _cycle_compute(cycle_id=cycle_id, job_id=job_id)


def _cycle_compute(*, cycle_id: int, job_id: int | None) -> int:
    cycle = Cycle.objects.get(pk=cycle_id)
    _set_job(job_id, progress=10, stage=_("Reading ratings and actuals"))
    card, participants = cycle_inputs(cycle)
    _set_job(job_id, progress=40, stage=_("Scoring"), participant_count=len(participants))
    copy = _can_copy()
    if scoring.validate_scorecard(card):  # every problem, as score_cycle reports them
        raise scoring.ScoringError(scoring.validate_cycle(card, participants))
    parts = _in_processes(
        partial(_score_part, card, explain=pack_json if copy else pack), participants
    )
    problems = [problem for part_problems, _ in parts for problem in part_problems]
    problems += scoring.duplicate_id_problems(participants)
    if problems:
        raise scoring.ScoringError(problems)
    teams = {participant.id: participant.team for participant in participants}
    del participants  # the scored rows carry what the write needs: free the inputs first
    scored = [row for _, rows in parts for row in rows]
    del parts
    finals = {row.id: row.final_score for row in scored if row.final_score is not None}
    placings = scoring.place_cycle(card, finals, teams)
    _set_job(job_id, progress=70, stage=_("Saving results"))
    with transaction.atomic():
        if copy:
            _copy_results(cycle, scored, placings)
        else:
            _upsert_results(cycle, scored, placings)
    return len(scored)


class _Scored(NamedTuple):
    """A participant's scores and packed explanation: what a scoring process sends back."""

    id: str
    kpi_score: Decimal | None
    competency_score: Decimal | None
    final_score: Decimal | None
    flags: tuple[str, ...]
    explanation: dict | str  # `pack` or `pack_json`


def _score_part(
    card: scoring.Scorecard, participants: Sequence[scoring.ParticipantInput], *, explain
) -> tuple[list[str], list[_Scored]]:
    """Validate and score a share of the cycle's participants: their problems, or their
    scored rows with each explanation packed (shared steps packed once per share)."""
    problems = [
        problem
        for participant in participants
        for problem in scoring.validate_participant(card, participant)
    ]
    if problems:
        return problems, []
    packed: dict = {}
    return [], [
        _Scored(
            score.id,
            score.kpi_score,
            score.competency_score,
            score.final_score,
            score.flags,
            explain(score.explanation, packed),
        )
        for score in scoring.score_valid_participants(card, participants)
    ]


# Below this many participants one process scores them all: starting a second one costs
# more than it saves.
PARALLEL_FROM = 500


def _process_count() -> int:
    """How many processes score a large cycle: settings.COMPUTATION_PROCESSES (at most
    the CPUs this process may use), else 2 where it may use 2 or more; 1 where it cannot
    fork."""
    if not hasattr(os, "fork"):
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if settings.COMPUTATION_PROCESSES:
        return max(1, min(settings.COMPUTATION_PROCESSES, usable))
    return min(2, usable)


def _in_processes(work: Callable[[Sequence], _T], items: Sequence) -> list[_T]:
    """``[work(share) for share in shares of items]``, the shares worked on at once by this
    process and forked children (`_process_count` in all).

    Scoring is pure Python: one process uses one core, and on the 2-core machine of
    bench/RESULTS.md PostgreSQL sits idle while it runs. The children are forked after
    the inputs are read, so they share them without copying or pickling; each sends back
    its share's result pickled through a pipe and leaves with ``os._exit`` (no clean-up
    of the parent's database connection or files). An exception in a child is raised
    here. Whatever happens, the parent closes every pipe and reaps every child; when it
    gives up early (its own share failed, a child failed, a time limit) it kills the
    children still working, which hold nothing but their share's computation."""
    count = _process_count() if len(items) >= PARALLEL_FROM else 1
    size = max(1, -(-len(items) // count))
    shares = [items[start : start + size] for start in range(0, len(items), size)] or [items]
    children: list[tuple[int, BinaryIO]] = []
    finished = False
    try:
        for share in shares[1:]:
            children.append(_fork(work, share, [pipe for _, pipe in children]))
        results = [work(shares[0])]
        for pid, pipe in children:
            results.append(_receive(pid, pipe))
        finished = True
        return results
    finally:
        for pid, pipe in children:
            pipe.close()
            if not finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for pid, _pipe in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _receive(pid: int, pipe: BinaryIO):
    """A child's result, or its error raised here; a child that died without sending
    either (killed, out of memory) is reported as such."""
    try:
        outcome, value = pickle.load(pipe)  # noqa: S301 (our own child's pipe)
    except (EOFError, pickle.UnpicklingError) as error:
        raise RuntimeError(f"the scoring process {pid} ended without a result") from error
    if outcome == "error":
        raise value
    return value


def _fork(
    work: Callable[[Sequence], _T], share: Sequence, siblings: list[BinaryIO]
) -> tuple[int, BinaryIO]:
    """Start a child working on `share`; its pid and the pipe its pickled result comes
    down. The child closes the read ends of its elder siblings' pipes, which it inherits:
    held open there, they would keep a sibling blocked on a pipe the parent gave up."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, os.fdopen(read_end, "rb")
    status = 1  # the child: never returns
    try:
        os.close(read_end)
        for sibling in siblings:
            os.close(sibling.fileno())
        try:
            payload = pickle.dumps(("ok", work(share)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # sent to the parent, raised there
            payload = pickle.dumps(("error", _picklable(error)))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)


def _picklable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 (bytes made on the line)
    except Exception:
        return RuntimeError("".join(traceback.format_exception(error)))
    return error


RESULT_COLUMNS = ["review_id", "cycle_id", *(name for name in RESULT_FIELDS if name != "cycle")]


def _result_values(cycle: Cycle, scored: list[_Scored], placings: dict[str, scoring.Placing]):
    """Each result as the values of RESULT_COLUMNS but the digest, which each writer adds
    (from the text it writes)."""
    now = timezone.now()
    for row in scored:
        placing = placings.get(row.id)
        yield (
            int(row.id),
            cycle.pk,
            row.kpi_score,
            row.competency_score,
            row.final_score,
            None if placing is None else placing.rank,
            None if placing is None else placing.team_rank,
            "" if placing is None else placing.grade,
            None if placing is None else placing.bonus_multiplier,
            list(row.flags),
            row.explanation,
            now,
        )


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _copy_fields(values) -> str:
    """Values as tab-separated fields of a line of COPY text."""
    return "\t".join(_copy_text(value) for value in values)


def _digest(values) -> str:
    """The digest of a result's values (all but computed_at): the same text COPY sends."""
    return _hash(_copy_fields(values))


def _upsert_results(
    cycle: Cycle, scored: list[_Scored], placings: dict[str, scoring.Placing]
) -> None:
    """The portable write: delete stale results, then one bulk upsert (SQLite and others)."""
    rows = [
        Result(**dict(zip(RESULT_COLUMNS, (*said, _digest(said), when), strict=True)))
        for *said, when in _result_values(cycle, scored, placings)
    ]
    Result.objects.filter(cycle=cycle).exclude(
        review_id__in=[row.review_id for row in rows]
    ).delete()
    Result.objects.bulk_create(
        rows,  # Django splits it where a backend limits the parameters of a statement
        update_conflicts=True,
        unique_fields=["review"],
        update_fields=RESULT_FIELDS,
    )


def _can_copy() -> bool:
    """PostgreSQL through psycopg2, whose cursors stream COPY FROM STDIN."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    r"""One field in PostgreSQL's COPY text format (``\N`` is NULL)."""
    if value is None:
        return r"\N"
    if isinstance(value, list | dict):
        value = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, datetime):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


class _Lines(io.RawIOBase):
    """A read-only file over a generator of text lines: COPY reads from it as it goes, so
    the rows are never all in memory as text."""

    def __init__(self, lines) -> None:
        self.lines = lines
        self.pending = b""
        self.error: Exception | None = None  # what broke the generator, if anything

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = len(buffer)
        chunks, length = [self.pending], len(self.pending)
        try:
            for line in self.lines:
                encoded = line.encode()
                chunks.append(encoded)
                length += len(encoded)
                if length >= size:
                    break
        except Exception as error:
            self.error = error
            raise
        data = b"".join(chunks)
        count = min(size, len(data))
        buffer[:count] = data[:count]
        self.pending = data[count:]
        return count


# The first key of the advisory lock a cycle's results are written under (the second is
# the cycle's id).
RESULTS_LOCK = 7_100


def _copy_results(
    cycle: Cycle, scored: list[_Scored], placings: dict[str, scoring.Placing]
) -> None:
    """The PostgreSQL write: 5 statements and a COPY, whatever the number of PMs.

    The rows stream into a temporary table through COPY (no 40 MB INSERT text and no model
    instances at 10,000 PMs); one statement then deletes stale results and upserts the
    others. A result whose digest is the one stored is left alone (the upsert's WHERE):
    a rerun on the same inputs rewrites no row (it only locks each one in the conflict
    check) and leaves no dead rows behind. Its `computed_at` stays the time of the run
    that last changed it. The explanations are stored as the text sent
    (`fields.JSONText`): PostgreSQL parses none of them.

    The unchanged rows are found by the conflict on the unique review, through its index,
    never by a join against the results table: planned on an empty table (a first
    computation after install), such a join scanned the table once per incoming row
    while the statement was filling it, quadratic in the PMs (1.7 s at 10,000)."""
    quote = connection.ops.quote_name
    table = quote(Result._meta.db_table)
    columns = ", ".join(quote(column) for column in RESULT_COLUMNS)
    updates = ", ".join(
        f"{quote(column)} = EXCLUDED.{quote(column)}" for column in RESULT_COLUMNS[1:]
    )

    def lines():
        for *said, when in _result_values(cycle, scored, placings):
            text = _copy_fields(said)  # hashed as it is sent: the same digest as _digest
            yield f"{text}\t{_hash(text)}\t{_copy_text(when)}\n"

    with connection.cursor() as cursor:
        # One write per cycle at a time: two overlapping runs must not interleave their
        # deletes of stale results and their upserts.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RESULTS_LOCK, cycle.pk])
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_result ON COMMIT DROP AS "  # noqa: S608 (names)
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        source = _Lines(lines())
        try:
            cursor.cursor.copy_expert(
                f"COPY incoming_result ({columns}) FROM STDIN",
                io.BufferedReader(source, buffer_size=1 << 16),
            )
        except Exception:
            if source.error is not None:  # psycopg2 wraps it in QueryCanceled: say what broke
                raise source.error from None
            raise
        cursor.execute(
            f"WITH stale AS (DELETE FROM {table} AS old WHERE old.cycle_id = %s "  # noqa: S608
            "AND NOT EXISTS (SELECT 1 FROM incoming_result AS new "
            "WHERE new.review_id = old.review_id)) "
            f"INSERT INTO {table} AS old ({columns}) SELECT {columns} FROM incoming_result "
            f"ON CONFLICT (review_id) DO UPDATE SET {updates} "
            "WHERE old.digest IS DISTINCT FROM EXCLUDED.digest",
            [cycle.pk],
        )
        cursor.execute("DROP TABLE incoming_result")


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

"""compute_cycle's work: read a cycle's inputs in a fixed handful of set-based queries,
score everyone with the pure engine (kpis.scoring), and write every result in one
transaction. A run that fails leaves the previous results as they were; a rerun on the
same inputs writes the same values (results are upserted by review, never duplicated).
The run reports its progress, and its end, on its ComputationJob row (`jobs`), whose
lease it renews as it goes: a run that lost its job writes nothing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from kpis import scoring
from reviews import page_parts
from reviews.explanations import pack, pack_json
from reviews.models import Cycle

from .inputs import cycle_inputs, name_order
from .jobs import JobLease, job_hold, job_progress, job_succeed
from .writers import Scored, can_copy, result_positions, results_copy, results_upsert

_T = TypeVar("_T")


# --- the run --------------------------------------------------------------------------------


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


def cycle_compute(*, cycle_id: int, lease: JobLease | None = None) -> int:
    """Score, rank and grade every PM of the cycle and write the results; return how many.

    With the `lease` of a claimed job, progress is written to the job row between stages
    (outside the results transaction, so the page sees it while the run goes on), and the
    job ends as succeeded in the results' transaction."""
    with _cyclic_gc_paused():
        return _cycle_compute(cycle_id=cycle_id, lease=lease)


def _cycle_compute(*, cycle_id: int, lease: JobLease | None) -> int:
    cycle = Cycle.objects.get(pk=cycle_id)
    job_progress(lease=lease, progress=10, stage=_("Reading ratings and actuals"))
    card, participants = cycle_inputs(cycle)
    names = name_order(cycle)
    job_progress(lease=lease, progress=40, stage=_("Scoring"), participant_count=len(participants))
    copy = can_copy()
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
    positions = result_positions(scored, placings, names)
    _save(cycle, scored, placings, positions, copy=copy, lease=lease)
    return len(scored)


# How many times the results are written before the run gives up on the database, and
# the pause before each new try (growing with the tries).
WRITE_ATTEMPTS = 3
WRITE_RETRY_SECONDS = 1


def _save(cycle, scored, placings, positions, *, copy: bool, lease: JobLease | None) -> None:
    """Write every result in one transaction (all or none: the previous ones stay), ending
    the job with them.

    A dropped connection (the database restarted, a proxy or firewall cut it while scoring
    kept it idle) is met here: the scores are in memory, so they are written again on a
    fresh connection rather than computed again. Inside a caller's transaction there is no
    fresh connection to take: the error goes to the caller."""
    write = results_copy if copy else results_upsert
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            job_progress(lease=lease, progress=70, stage=_("Saving results"))
            with transaction.atomic():
                job_hold(lease=lease)
                write(cycle, scored, placings, positions)
                page_parts.cycle_changed(cycle.pk)  # the results show on the cycle's pages
                job_succeed(lease=lease)
            return
        except (OperationalError, InterfaceError):
            if attempt == WRITE_ATTEMPTS or connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(WRITE_RETRY_SECONDS * attempt)


def _score_part(
    card: scoring.Scorecard, participants: Sequence[scoring.ParticipantInput], *, explain
) -> tuple[list[str], list[Scored]]:
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
        Scored(
            score.id,
            score.kpi_score,
            score.competency_score,
            score.final_score,
            score.flags,
            explain(score.explanation, packed),
        )
        for score in scoring.score_valid_participants(card, participants)
    ]


class ScoringProcessLostError(RuntimeError):
    """A scoring process ended without sending its share back (killed, out of memory)."""


# Below this many participants one process scores them all: starting a second one costs
# more than it saves.
PARALLEL_FROM = 500

# Scoring processes are forked after the inputs are read, so they share them without
# copying or pickling (see _in_processes). None where the platform cannot fork.
POOL_CONTEXT = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods()
    else None
)


def _process_count() -> int:
    """How many processes score a large cycle: settings.COMPUTATION_PROCESSES (at most
    the CPUs this process may use), else 2 where it may use 2 or more; 1 where it cannot
    fork."""
    if POOL_CONTEXT is None:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if settings.COMPUTATION_PROCESSES:
        return max(1, min(settings.COMPUTATION_PROCESSES, usable))
    return min(2, usable)


# What the forked workers of the pool work on: set before the pool forks them, so a worker
# finds its share here, inherited, and only the share's index crosses the process boundary.
_pending: tuple[Callable, list[Sequence]] | None = None


def _in_processes(work: Callable[[Sequence], _T], items: Sequence) -> list[_T]:
    """``[work(share) for share in shares of items]``, in order: this process works on the
    first share while the workers of a forked pool (`_process_count` processes in all)
    work on the others.

    Scoring is pure Python, so one process uses one core while the others (and the
    database) sit idle. The pool's workers are forked when the first share is submitted,
    after the inputs are read: they inherit `work` and the shares instead of receiving
    them pickled; only each share's result comes back pickled. An exception in a worker
    is raised here. When this process gives up early (its own share failed, a worker
    failed, a time limit), the workers still running are killed: they hold nothing but
    their share's computation."""
    global _pending  # read by the forked workers, see above
    count = _process_count() if len(items) >= PARALLEL_FROM else 1
    size = max(1, -(-len(items) // count))
    shares = [items[start : start + size] for start in range(0, len(items), size)] or [items]
    if len(shares) == 1:
        return [work(shares[0])]
    _pending = (work, shares)
    pool = ProcessPoolExecutor(max_workers=len(shares) - 1, mp_context=POOL_CONTEXT)
    finished = False
    try:
        futures = [pool.submit(_work_on_share, index) for index in range(1, len(shares))]
        results = [work(shares[0])]
        for future in futures:
            try:
                results.append(future.result())
            except BrokenProcessPool as error:  # killed, out of memory, os._exit
                raise ScoringProcessLostError("a scoring process ended without a result") from error
        finished = True
        return results
    finally:
        _pending = None
        if not finished:
            _kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _work_on_share(index: int):
    """A worker's share of `_pending`; its error made fit to be sent back."""
    work, shares = _pending
    try:
        return work(shares[index])
    except BaseException as error:
        raise _picklable(error) from None


def _picklable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else a RuntimeError with its text: the
    pool would otherwise report only that the error could not be sent."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 (bytes made on the line)
    except Exception:
        return RuntimeError("".join(traceback.format_exception(error)))
    return error


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers, running or idle (ProcessPoolExecutor.kill_workers from
    Python 3.14 on; its process table before)."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
        return
    for process in list((pool._processes or {}).values()):
        process.kill()

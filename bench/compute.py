"""Time `reviews.computation.cycle_compute` on the cycle `bench.generate` made, against its limit.

    DJANGO_SETTINGS_MODULE=appraisal.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appraisal_bench \
    .venv/bin/python -m bench.compute --pms 2000 --runs 5

Figures, each the median of --runs runs after one warm-up run that is not counted (so every
counted run is a rerun: the results exist and are upserted, as when HR presses "Compute"
again or the nightly run comes; with --fresh the cycle's results are deleted, untimed,
before each run, so every run inserts):

- wall time of `cycle_compute(cycle_id=...)` (time.perf_counter), in this process;
- queries: every statement sent to the database during the call, counted with
  `connection.execute_wrapper` in the timed runs (no debug cursor, so no overhead), plus
  one for the COPY of the PostgreSQL write (psycopg2's copy_expert bypasses execute), and
  cross-checked once with `django.test.utils.CaptureQueriesContext`, which lists them
  (the COPY aside); the write itself is timed by wrapping the product's write function;
- peak memory, two ways, each over its own runs:
  * RSS: each run in a fresh child process: peak resident set (`resource.getrusage`
    ru_maxrss) after the call minus the resident set (/proc/self/status VmRSS) just
    before it. This includes what tracemalloc cannot see, such as libpq's copy of a
    query's whole result set.
  * Python heap: `tracemalloc` peak during the call (in this process; slower runs).
- the limit, the time PostgreSQL takes to read the same inputs, two ways:
  * aggregate (the limit of issue 7): ONE statement that joins ratings to submitted
    assessments of the cycle's reviews and aggregates them per (review, competency):
    self rating, leader rating, peer count, peer sum and peer N/A count, UNION ALL the
    cycle's KPI actuals (the counting value and the excuse), every row fetched into Python
    (cursor.fetchall) through Django's connection;
  * plain read: ONE statement returning the same individual rows cycle_inputs reads
    (every rating of a submitted assessment with its review and role, UNION ALL every
    actual), fetched the same way. It shows what moving the raw rows costs.
  The ratio is compute / limit. The limit leaves out writing the results, which the
  computation must do, so a ratio of 1 is out of reach by design.

--profile runs one more call under cProfile (top functions and a stage breakdown) and,
when pyinstrument is installed, under pyinstrument (a call tree written next to the
results). Results are also written as JSON to bench/results/compute-<N>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import hashlib
import inspect
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import _django

_django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.generate import CYCLE_NAME  # noqa: E402
from kpis import scoring  # noqa: E402
from reviews import computation  # noqa: E402
from reviews.computation import cycle_compute, cycle_inputs  # noqa: E402
from reviews.models import (  # noqa: E402
    Assessment,
    Cycle,
    KpiActual,
    Rating,
    Result,
    Review,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def aggregate_sql() -> str:
    rating, assessment, review, actual = map(_table, (Rating, Assessment, Review, KpiActual))
    return f"""
        WITH given AS (
            SELECT a.review_id, r.competency_id AS item_id,
                   max(r.value) FILTER (WHERE a.role = 'self') AS self_rating,
                   max(r.value) FILTER (WHERE a.role = 'leader') AS leader_rating,
                   count(r.value) FILTER (WHERE a.role = 'peer') AS peer_count,
                   sum(r.value) FILTER (WHERE a.role = 'peer') AS peer_sum,
                   count(*) FILTER (WHERE a.role = 'peer' AND r.value IS NULL) AS peer_na
            FROM {rating} r
            JOIN {assessment} a ON a.id = r.assessment_id
            JOIN {review} v ON v.id = a.review_id
            WHERE v.cycle_id = %(cycle)s AND a.submitted_at IS NOT NULL
            GROUP BY a.review_id, r.competency_id
        )
        SELECT review_id, 'competency', item_id, self_rating, leader_rating, peer_count,
               peer_sum, peer_na, NULL::numeric, NULL::text
        FROM given
        UNION ALL
        SELECT k.review_id, 'kpi', k.item_id, NULL, NULL, NULL, NULL, NULL,
               COALESCE(k.verified_value, k.reported_value), k.excused_reason
        FROM {actual} k JOIN {review} v ON v.id = k.review_id
        WHERE v.cycle_id = %(cycle)s
    """


def plain_sql() -> str:
    rating, assessment, review, actual = map(_table, (Rating, Assessment, Review, KpiActual))
    return f"""
        SELECT a.review_id, a.role, r.competency_id, r.value,
               NULL::numeric, NULL::numeric, NULL::text
        FROM {rating} r
        JOIN {assessment} a ON a.id = r.assessment_id
        JOIN {review} v ON v.id = a.review_id
        WHERE v.cycle_id = %(cycle)s AND a.submitted_at IS NOT NULL
        UNION ALL
        SELECT k.review_id, 'kpi', k.item_id, NULL, k.reported_value, k.verified_value,
               k.excused_reason
        FROM {actual} k JOIN {review} v ON v.id = k.review_id
        WHERE v.cycle_id = %(cycle)s
    """


def read_seconds(sql: str, cycle_id: int) -> tuple[float, int]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"cycle": cycle_id})
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def server_seconds(sql: str, cycle_id: int) -> float:
    """PostgreSQL's own execution time of the statement (EXPLAIN ANALYZE), no transfer."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, {"cycle": cycle_id})
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return plan[0]["Execution Time"] / 1000


def _delete_results(cycle_id: int) -> None:
    Result.objects.filter(cycle_id=cycle_id).delete()


def _prepare(cycle_id: int, *, fresh: bool) -> None:
    """Untimed, before every measured call: the results of the previous call are vacuumed
    (as autovacuum would have done between two runs in production; it is off on some
    machines, this one included, and each rerun leaves N dead result rows behind), or
    deleted with --fresh."""
    if fresh:
        _delete_results(cycle_id)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {_table(Result)}")


def timed_run(cycle_id: int, *, fresh: bool) -> tuple[float, int, dict[str, float], float]:
    """Wall time, statement count, and the time spent inside cursor.execute per kind of
    statement (SELECT, DELETE, INSERT: psycopg2's parameter adaptation, the round trip and
    PostgreSQL's work; rows are fetched later, outside execute)."""
    _prepare(cycle_id, fresh=fresh)
    count = 0
    execute_seconds: dict[str, float] = {}

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = sql.lstrip().split(None, 1)[0].upper()
            execute_seconds[kind] = execute_seconds.get(kind, 0) + time.perf_counter() - started

    writers = {name: getattr(computation, name) for name in WRITERS}

    def timed_writer(name: str) -> Callable:
        def write(*args, **kwargs):
            nonlocal count
            if name == "_copy_results":
                count += 1  # its COPY goes through psycopg2's copy_expert, not execute
            started = time.perf_counter()
            try:
                return writers[name](*args, **kwargs)
            finally:
                execute_seconds["write"] = time.perf_counter() - started

        return write

    phases = {name: getattr(computation, name) for name in PHASES}

    def timed_phase(name: str) -> Callable:
        def phase(*args, **kwargs):
            started = time.perf_counter()
            try:
                return phases[name](*args, **kwargs)
            finally:
                execute_seconds[PHASES[name]] = time.perf_counter() - started

        return phase

    gc.collect()
    for name in WRITERS:
        setattr(computation, name, timed_writer(name))
    for name in phases:
        setattr(computation, name, timed_phase(name))
    try:
        with connection.execute_wrapper(counter):
            cpu = time.process_time()
            children = _children_cpu()
            started = time.perf_counter()
            cycle_compute(cycle_id=cycle_id)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            execute_seconds["children_cpu"] = _children_cpu() - children
    finally:
        for name, writer in writers.items():
            setattr(computation, name, writer)
        for name, function in phases.items():
            setattr(computation, name, function)
    return seconds, count, execute_seconds, cpu


def _children_cpu() -> float:
    """CPU seconds used by this process's finished children (the product's scoring
    processes, which it forks and reaps within the call)."""
    times = os.times()
    return times.children_user + times.children_system


# The product's phases, timed inside each measured call when the product has them:
# reading the inputs, and validating + scoring + packing (in one or more processes).
PHASES = {
    name: label
    for name, label in (("cycle_inputs", "read"), ("_in_processes", "score"))
    if hasattr(computation, name)
}


# The product's write functions (the PostgreSQL COPY path and the portable upsert), timed
# as a whole in each measured run when the product has them.
WRITERS = [name for name in ("_copy_results", "_upsert_results") if hasattr(computation, name)]


def tracemalloc_run(cycle_id: int, *, fresh: bool) -> int:
    _prepare(cycle_id, fresh=fresh)
    gc.collect()
    tracemalloc.start()
    try:
        cycle_compute(cycle_id=cycle_id)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def memory_child(cycle_id: int, *, fresh: bool) -> None:
    """One call in a fresh process: print the peak RSS it added, as JSON."""
    _prepare(cycle_id, fresh=fresh)  # connects, too, before measuring
    gc.collect()
    before = _rss_bytes()
    cycle_compute(cycle_id=cycle_id)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    # The peak of the largest scoring child the call forked (0 if none). It counts the
    # pages it shares with this process (Django, the inputs), so parent + child is an
    # upper bound of what the call adds.
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        json.dumps(
            {"rss_before": before, "rss_peak": peak, "delta": peak - before, "child_peak": child}
        )
    )


def rss_run(cycle_id: int, *, fresh: bool) -> dict:
    command = [sys.executable, "-m", "bench.compute", "--memory-child", "--cycle", str(cycle_id)]
    if fresh:
        command.append("--fresh")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return json.loads(output.strip().splitlines()[-1])


def explanation_serializer() -> tuple[str, Callable]:
    """The function cycle_compute turns an Explanation into JSON-ready data with: the
    compact `reviews.explanations.pack` when the product has it, else the reflective
    `reviews.computation._jsonable` it had before."""
    try:
        from reviews.explanations import pack  # noqa: PLC0415 - Django is set up in main()
    except ImportError:
        return "reviews.computation._jsonable", computation._jsonable
    try:
        from reviews.explanations import pack_json  # noqa: PLC0415 - Django is set up in main()
    except ImportError:
        return "reviews.explanations.pack", pack
    return "reviews.explanations.pack_json (straight to JSON text)", pack_json


def stage_run(cycle_id: int) -> dict[str, float]:
    """The stages of cycle_compute called one by one, with the product's own functions,
    no profiler: reading the inputs, validating, scoring, and turning the explanations into
    JSON-ready data, plus what the database adapter then does with it (json.dumps).
    Writing the results is what is left of the whole call (`compute - these`)."""
    gc.collect()
    paused = getattr(computation, "_cyclic_gc_paused", contextlib.nullcontext)
    with paused():  # as in the call, when the product pauses the cyclic GC for the run
        return _stages(cycle_id)


def _stages(cycle_id: int) -> dict[str, float]:
    cycle = Cycle.objects.get(pk=cycle_id)
    _name, serialize = explanation_serializer()
    if len(inspect.signature(serialize).parameters) > 1:  # pack(explanation, cache): one per run
        serialize = functools.partial(serialize, cache={})
    started = time.perf_counter()
    card, participants = cycle_inputs(cycle)
    inputs = time.perf_counter()
    scoring.validate_cycle(card, participants)
    validated = time.perf_counter()
    results = scoring.score_cycle(card, participants)  # validates again, as the call does
    scored = time.perf_counter()
    explanations = [serialize(result.explanation) for result in results]
    serialized = time.perf_counter()
    encoded = sum(
        len(explanation if isinstance(explanation, str) else json.dumps(explanation))
        for explanation in explanations
    )
    dumped = time.perf_counter()
    return {
        "inputs": inputs - started,
        "score_cycle": scored - validated,
        "validate_cycle": validated - inputs,
        "serialize": serialized - scored,
        "json_dumps": dumped - serialized,
        "json_bytes": encoded,
    }


def captured_queries(cycle_id: int) -> list[str]:
    _prepare(cycle_id, fresh=False)
    with CaptureQueriesContext(connection) as context:
        cycle_compute(cycle_id=cycle_id)
    return [query["sql"][:300] for query in context.captured_queries]  # the start says enough


# --------------------------------------------------------------------------- profile

STAGES = [
    # (label, file suffix, function name): cumulative time of the outermost calls
    ("read inputs: cycle_inputs", "reviews/computation.py", "cycle_inputs"),
    (
        "score: computation._in_processes (only this process's share is profiled)",
        "reviews/computation.py",
        "_in_processes",
    ),
    ("score: scoring.score_cycle", "kpis/scoring.py", "score_cycle"),
    ("  of which validate_cycle", "kpis/scoring.py", "validate_cycle"),
    ("  of which _score_valid_participant", "kpis/scoring.py", "_score_valid_participant"),
    ("explanation to JSON: _jsonable (before)", "reviews/computation.py", "_jsonable"),
    ("explanation to JSON: explanations.pack", "reviews/explanations.py", "pack"),
    ("write: QuerySet.bulk_create (upsert)", "django/db/models/query.py", "bulk_create"),
    ("write: COPY, then one delete-and-upsert", "reviews/computation.py", "_copy_results"),
]


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    total = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        if function == name and filename.endswith(suffix):
            total += cumulative  # cProfile's cumulative time counts recursion once
    return total


def profile_run(cycle_id: int, pms: int) -> dict:
    _prepare(cycle_id, fresh=False)
    profiler = cProfile.Profile()
    gc.collect()
    started = time.perf_counter()
    profiler.runcall(cycle_compute, cycle_id=cycle_id)
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    stages = {}
    for label, suffix, name in STAGES:
        seconds = _cumulative(stats, suffix, name)
        if seconds:
            stages[label] = seconds
    stages["database calls, all stages: psycopg2 execute + fetch"] = sum(
        cumulative
        for (filename, _line, function), (_cc, _nc, _tt, cumulative, _c) in stats.stats.items()
        if filename == "~" and "psycopg2.extensions.cursor" in function
    )
    total = _cumulative(stats, "reviews/computation.py", "cycle_compute")
    stages["total cycle_compute (under cProfile)"] = total
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
    top_tottime = text.getvalue()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    top_cumulative = text.getvalue()
    RESULTS_DIR.mkdir(exist_ok=True)
    profiler.dump_stats(RESULTS_DIR / f"compute-{pms}.prof")
    tree = None
    try:
        from pyinstrument import Profiler  # noqa: PLC0415 - optional, for --profile only
    except ImportError:
        pass
    else:
        _prepare(cycle_id, fresh=False)
        instrument = Profiler(interval=0.001)
        instrument.start()
        cycle_compute(cycle_id=cycle_id)
        instrument.stop()
        tree = instrument.output_text(unicode=True, color=False, show_all=False)
        (RESULTS_DIR / f"compute-{pms}.pyinstrument.txt").write_text(tree)
    return {
        "wall_under_cprofile": wall,
        "stages": stages,
        "top_tottime": top_tottime,
        "top_cumulative": top_cumulative,
        "pyinstrument": tree,
    }


# --------------------------------------------------------------------------- report


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _spread(values: Sequence[float], scale: float = 1, unit: str = "s", digits: int = 2) -> str:
    return (
        f"{_median(values) / scale:.{digits}f} {unit} "
        f"({min(values) / scale:.{digits}f}-{max(values) / scale:.{digits}f})"
    )


PRODUCT_FILES = [
    "reviews/computation.py",
    "reviews/explanations.py",
    "kpis/scoring.py",
    "reviews/models.py",
]


def code_fingerprint() -> dict[str, str]:
    """Which version of the product code was measured: sha256 (12 digits) and mtime of the
    files on the computation's path, since the code changes while it is tuned."""
    root = Path(__file__).resolve().parent.parent
    fingerprint = {}
    for name in PRODUCT_FILES:
        path = root / name
        if path.exists():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            modified = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))
            fingerprint[name] = f"{digest} ({modified})"
    return fingerprint


def measure(options) -> dict:
    cycle = Cycle.objects.get(name=CYCLE_NAME)
    reviews = Review.objects.filter(cycle=cycle).count()
    if options.pms and reviews != options.pms:
        raise SystemExit(
            f"The cycle has {reviews} PMs, not {options.pms}: run "
            f"`python -m bench.generate --pms {options.pms}` first."
        )
    ratings = Rating.objects.filter(assessment__review__cycle=cycle).count()
    actuals = KpiActual.objects.filter(review__cycle=cycle).count()
    say = print if not options.quiet else (lambda *args, **kwargs: None)
    say(f"cycle {cycle.pk}: {reviews:,} PMs, {ratings:,} ratings, {actuals:,} actuals")

    def runs(label: str, function: Callable, count: int) -> list:
        values = []
        for index in range(count):
            values.append(function())
            say(f"  {label} {index + 1}/{count}: {values[-1]}")
        return values

    result = {
        "code" if options.part != "memory" else "code_memory": code_fingerprint(),
        "pms": reviews,
        "ratings": ratings,
        "actuals": actuals,
        "runs": options.runs,
        "fresh": options.fresh,
    }
    if options.wait_quiet:
        _django.wait_quiet(options.wait_quiet, say)
    load = {"start": os.getloadavg()}
    if options.part in ("all", "time"):
        started = time.perf_counter()
        _prepare(cycle.pk, fresh=options.fresh)
        cycle_compute(cycle_id=cycle.pk)  # warm-up, not counted
        say(f"  warm-up: {time.perf_counter() - started:.2f} s")
        # Each compute run is followed at once by a run of the limit, so that the ratio of
        # each pair is taken at the same machine speed (the host's speed drifts).
        paired = runs(
            "compute, then the limit",
            lambda: (
                timed_run(cycle.pk, fresh=options.fresh),
                read_seconds(aggregate_sql(), cycle.pk),
            ),
            options.runs,
        )
        timed = [value[0] for value in paired]
        result["paired_ratios"] = [value[0][0] / value[1][0] for value in paired]
        result["compute_seconds"] = [value[0] for value in timed]
        result["queries"] = [value[1] for value in timed]
        result["execute_seconds"] = [value[2] for value in timed]
        result["cpu_seconds"] = [value[3] for value in timed]
        result["captured_queries"] = captured_queries(cycle.pk)
        result["stages"] = runs("stages", lambda: stage_run(cycle.pk), options.runs)
        result["serializer"] = explanation_serializer()[0]
        aggregate = [value[1] for value in paired]
        plain = runs("plain read", lambda: read_seconds(plain_sql(), cycle.pk), options.runs)
        result["aggregate_seconds"] = [value[0] for value in aggregate]
        result["aggregate_rows"] = aggregate[0][1]
        result["aggregate_server_seconds"] = _median(
            [server_seconds(aggregate_sql(), cycle.pk) for _ in range(3)]
        )
        result["plain_seconds"] = [value[0] for value in plain]
        result["plain_rows"] = plain[0][1]
        result["plain_server_seconds"] = _median(
            [server_seconds(plain_sql(), cycle.pk) for _ in range(3)]
        )
        load["after time"] = os.getloadavg()
    if options.part in ("all", "memory"):
        memory_runs = options.runs if options.memory_runs is None else options.memory_runs
        heap_runs = memory_runs if options.tracemalloc_runs is None else options.tracemalloc_runs
        rss = runs("rss child", lambda: rss_run(cycle.pk, fresh=options.fresh), memory_runs)
        result["memory_runs"] = memory_runs
        result["rss_delta_bytes"] = [value["delta"] for value in rss]
        result["rss_peak_bytes"] = [value["rss_peak"] for value in rss]
        result["rss_child_peak_bytes"] = [value.get("child_peak", 0) for value in rss]
        result["tracemalloc_runs"] = heap_runs
        result["tracemalloc_peak_bytes"] = runs(
            "tracemalloc", lambda: tracemalloc_run(cycle.pk, fresh=options.fresh), heap_runs
        )
        load["after memory"] = os.getloadavg()
    result[f"load_average_{options.part}"] = load
    if options.profile:
        result["profile"] = profile_run(cycle.pk, reviews)
    return result


def _stages_in_call(executes: list[dict], compute: float) -> dict[str, float]:
    """The product's phases as timed inside the measured calls (code that scores in
    processes, `computation._in_processes`)."""
    phase = {key: _median([run.get(key, 0) for run in executes]) for key in executes[0]}
    return {
        "read inputs (cycle_inputs: 6 queries + building the inputs)": phase["read"],
        "validate + score + pack the explanations, in the scoring processes": phase["score"],
        "write (COPY, then one delete-and-upsert)": phase["write"],
        "  of which inside execute: the delete-and-upsert statement": phase.get("WITH", 0),
        "rest of the call": compute - phase["read"] - phase["score"] - phase["write"],
    }


def _stages_apart(
    stage: dict, executes: list[dict] | None, compute: float, serializer: str
) -> dict[str, float]:
    """The stages of code before scoring in processes, each called on its own."""
    stages = {
        "read inputs (cycle_inputs: 6 queries + building the inputs)": stage["inputs"],
        "score_cycle (validation + scoring + ranks + grades)": stage["score_cycle"],
        "  of which validate_cycle": stage["validate_cycle"],
    }
    if executes and all("write" in run for run in executes):
        # the write packs each explanation as it streams the rows out
        return stages | {
            "write, measured in the call (packing, JSON, COPY, delete-and-upsert)": _median(
                [run["write"] for run in executes]
            ),
            f"  of which packing the explanations ({serializer})": (
                stage["serialize"] + stage["json_dumps"]  # json_dumps is ~0 for JSON text
            ),
            "  of which inside execute: the delete-and-upsert statement": _median(
                [run.get("WITH", 0) for run in executes]
            ),
        }
    # the code before the COPY write: the write is what is left of the call
    stages |= {
        f"explanations to JSON-ready data ({serializer})": stage["serialize"],
        "write: Result objects, delete, bulk upsert (the call minus the above; noisy)": (
            compute - stage["inputs"] - stage["score_cycle"] - stage["serialize"]
        ),
        "  of which json.dumps of the explanations": stage["json_dumps"],
    }
    if executes:
        stages["  of which inside execute: the INSERT ... ON CONFLICT statements"] = _median(
            [run.get("INSERT", 0) for run in executes]
        )
    return stages


def report(result: dict) -> str:
    mib = 1024 * 1024
    compute = _median(result["compute_seconds"])
    aggregate = _median(result["aggregate_seconds"])
    plain = _median(result["plain_seconds"])
    mode = "fresh insert" if result["fresh"] else "rerun (upsert)"
    lines = [
        (
            f"### {result['pms']:,} PMs: {result['ratings']:,} ratings, {result['actuals']:,} "
            f"actuals ({mode}; medians of {result['runs']} runs, min-max in brackets)"
        ),
        "",
        "| figure | value |",
        "|---|---|",
        f"| compute wall time | {_spread(result['compute_seconds'])} |",
        (
            f"| CPU time of the Python process in the call (PostgreSQL's not included) | "
            f"{_spread(result['cpu_seconds']) if result.get('cpu_seconds') else 'not measured'} |"
        ),
        (
            f"| queries (execute_wrapper, plus the COPY, per run) | "
            f"{_median(result['queries']):.0f} "
            f"(CaptureQueriesContext: {len(result['captured_queries'])}) |"
        ),
    ]
    if result.get("rss_delta_bytes"):
        lines.append(
            f"| peak memory, RSS delta in a fresh process ({result['memory_runs']} runs) | "
            f"{_spread(result['rss_delta_bytes'], mib, 'MiB', 0)} "
            f"(= {_median(result['rss_delta_bytes']) / 1e6:.0f} MB; the process's peak RSS, "
            f"Django loaded: {_median(result['rss_peak_bytes']) / mib:.0f} MiB) |"
        )
    if any(result.get("rss_child_peak_bytes") or []):
        both = _median(
            [
                delta + child_peak
                for delta, child_peak in zip(
                    result["rss_delta_bytes"], result["rss_child_peak_bytes"], strict=True
                )
            ]
        )
        lines.append(
            "| peak memory of the forked scoring process, RSS (its pages shared with the "
            "parent included) | "
            f"{_spread(result['rss_child_peak_bytes'], mib, 'MiB', 0)}; parent's delta + "
            f"child's peak, an upper bound of the call's memory: {both / mib:.0f} MiB "
            f"(= {both / 1e6:.0f} MB) |"
        )
    if result.get("tracemalloc_peak_bytes"):
        lines.append(
            f"| peak memory, tracemalloc Python heap ({result['tracemalloc_runs']} runs) | "
            f"{_spread(result['tracemalloc_peak_bytes'], mib, 'MiB', 0)} |"
        )
    lines += [
        (
            f"| limit: one aggregate query, fetched ({result['aggregate_rows']:,} rows) | "
            f"{_spread(result['aggregate_seconds'], digits=3)} "
            f"(server only: {result['aggregate_server_seconds']:.3f} s) |"
        ),
        f"| **ratio compute / limit** (medians) | **{compute / aggregate:.1f}x** |",
        *(
            [
                (
                    "| ratio of each run to the limit run right after it | "
                    f"{_spread(result['paired_ratios'], unit='x', digits=1)} |"
                )
            ]
            if result.get("paired_ratios")
            else []
        ),
        (
            f"| plain read of the same rows, fetched ({result['plain_rows']:,} rows) | "
            f"{_spread(result['plain_seconds'], digits=3)} "
            f"(server only: {result['plain_server_seconds']:.3f} s) |"
        ),
        f"| ratio compute / plain read | {compute / plain:.1f}x |",
        "",
        (
            "Stages (each stage's product function called on its own in separate runs, no "
            "profiler; medians; the write is the median call minus the other medians, so it "
            "is only as good as the machine is quiet; the INSERT time is measured directly):"
        ),
        "",
        "| stage | seconds | share of the call |",
        "|---|---|---|",
    ]
    stage = {key: _median([run[key] for run in result["stages"]]) for key in result["stages"][0]}
    executes = result.get("execute_seconds")
    if executes and all("score" in run and "read" in run for run in executes):
        lines[-4] = (
            "Stages, timed inside each measured call by wrapping the product's functions "
            "(medians; the rest is loading the cycle, job updates, ranks and grades):"
        )
        stage_medians = _stages_in_call(executes, compute)
    else:
        stage_medians = _stages_apart(stage, executes, compute, result.get("serializer", "?"))
    json_bytes = stage["json_bytes"]
    for label, value in stage_medians.items():
        lines.append(f"| {label} | {value:.2f} | {100 * value / compute:.0f} % |")
    if executes and any("children_cpu" in run for run in executes):
        lines.append(
            "\nCPU time of the forked scoring process, per call: "
            f"{_spread([run.get('children_cpu', 0) for run in executes])}. The same stages "
            "one after another in one process, no profiler (cycle_inputs, score_cycle with "
            f"its validation, pack_json): {stage['inputs']:.2f} + {stage['score_cycle']:.2f} + "
            f"{stage['serialize']:.2f} s."
        )
    if executes:
        phases = {"write", "read", "score", "children_cpu"}
        kinds = sorted({kind for run in executes for kind in run} - phases)
        lines += [
            "",
            "Time inside cursor.execute per statement kind (medians; adaptation of the "
            "parameters, round trip and PostgreSQL's work, fetching not included): "
            + ", ".join(
                f"{kind} {_median([run.get(kind, 0) for run in executes]):.2f} s" for kind in kinds
            )
            + ".",
        ]
    lines += [
        "",
        "Code measured: "
        + ", ".join(f"`{name}` {value}" for name, value in result.get("code", {}).items())
        + (
            " (the memory figures were measured on other code: "
            + ", ".join(f"`{k}` {v}" for k, v in result["code_memory"].items())
            + ")"
            if result.get("code_memory", result.get("code")) != result.get("code")
            else ""
        )
        + ".",
        "",
        (
            f"Explanation JSON written per run: {json_bytes / 1024 / 1024:.0f} MiB "
            f"({json_bytes / result['pms'] / 1024:.1f} KiB per PM)."
        ),
        "",
        "Load average (1, 5, 15 min) while measuring: "
        + "; ".join(
            f"{part.removeprefix('load_average_')} {label}: "
            + ", ".join(f"{value:.1f}" for value in values)
            for part in sorted(key for key in result if key.startswith("load_average_"))
            for label, values in result[part].items()
        )
        + ".",
        "",
        "Queries of one run:",
        "",
    ]
    lines += [f"{index}. `{sql[:140]}{'…' if len(sql) > 140 else ''}`"
              for index, sql in enumerate(result["captured_queries"], start=1)]  # fmt: skip
    if "profile" in result:
        profile = result["profile"]
        lines += [
            "",
            (
                f"Stages (cProfile cumulative, one run; {profile['wall_under_cprofile']:.2f} s "
                "wall under the profiler):"
            ),
            "",
            "| stage | seconds | share |",
            "|---|---|---|",
        ]
        total = profile["stages"]["total cycle_compute (under cProfile)"]
        for label, value in profile["stages"].items():
            lines.append(f"| {label} | {value:.2f} | {100 * value / total:.0f} % |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pms", type=int, help="expected PMs in the cycle (checked)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument(
        "--memory-runs", type=int, help="runs per memory figure (default: --runs; 0 skips)"
    )
    parser.add_argument(
        "--tracemalloc-runs", type=int, help="runs for the tracemalloc figure (default: memory)"
    )
    parser.add_argument(
        "--part",
        choices=["all", "time", "memory"],
        default="all",
        help="measure only time (with queries, stages and the limit) or only memory; the "
        "figures are merged with those already stored for the same data set",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        metavar="LOAD",
        help="first wait (up to 15 minutes) for the 1-minute load average to fall below LOAD",
    )
    parser.add_argument("--fresh", action="store_true", help="delete results before each run")
    parser.add_argument("--profile", action="store_true", help="profile one more run")
    parser.add_argument(
        "--report-only", action="store_true", help="print the stored figures, measure nothing"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the report")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cycle", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.memory_child:
        memory_child(options.cycle, fresh=options.fresh)
        return
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if options.report_only:
        if not options.pms:
            parser.error("--report-only needs --pms")
        stem = RESULTS_DIR / f"compute-{options.pms}{'-fresh' if options.fresh else ''}"
        text = report(json.loads(stem.with_suffix(".json").read_text()))
        stem.with_suffix(".md").write_text(text + "\n")
        print(text)
        return
    result = measure(options)
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = RESULTS_DIR / f"compute-{result['pms']}{'-fresh' if options.fresh else ''}"
    stored_path = stem.with_suffix(".json")
    if options.part != "all" and stored_path.exists():
        stored = json.loads(stored_path.read_text())
        if stored.get("ratings") == result["ratings"]:  # the same data set: keep its other part
            result = {**stored, **result}
    stored_path.write_text(json.dumps(result, indent=2, default=str))
    if "compute_seconds" not in result:
        print(json.dumps({key: result[key] for key in result if "bytes" in key}, indent=2))
        print(f"\n(memory figures written to {stored_path}; run --part time for the report)")
        return
    text = report(result)
    stem.with_suffix(".md").write_text(text + "\n")
    print()
    print(text)
    if "profile" in result and options.profile:
        print()
        print("cProfile, top by own time:")
        print(result["profile"]["top_tottime"])
    print(f"\n(written to {stem}.md and .json)")


if __name__ == "__main__":
    main()

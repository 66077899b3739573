"""A prototype of the fixes RESULTS.md suggests, measured against the product's own code.

Not product code, and nothing here changes the product: it runs a variant of
`reviews.computation.cycle_compute` in this process, built from the product's own pieces
(`cycle_scorecard`, `scoring.score_cycle`, `explanations.pack`, `RESULT_FIELDS`), with:

1. streamed reads: the actuals and ratings come through server-side cursors
   (`.iterator(chunk_size=20_000)`), so libpq never holds the whole result set;
2. the inputs freed once scored (`del participants`);
3. the write as COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT and
   one DELETE of stale results: a constant number of statements, rows streamed from a
   generator (no Result instances, no 40 MB INSERT text at 10,000 PMs).

    .venv/bin/python -m bench.prototype_streamed check     # same stored results as the product?
    .venv/bin/python -m bench.prototype_streamed rss       # peak RSS added, product vs prototype
    .venv/bin/python -m bench.prototype_streamed time      # wall time and tracemalloc peak

Run it on a cycle made by `bench.generate`; each measurement is in a fresh child process.
"""

from __future__ import annotations

import gc
import io
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict

from bench import _django

_django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kpis import scoring  # noqa: E402
from reviews import computation  # noqa: E402
from reviews.computation import RESULT_FIELDS, cycle_scorecard, plain  # noqa: E402
from reviews.explanations import pack  # noqa: E402
from reviews.models import AssessmentRole, Cycle, KpiActual, Rating, Result, Review  # noqa: E402

CHUNK = 20_000


def cycle_inputs_streamed(cycle: Cycle):
    """`computation.cycle_inputs`, reading through server-side cursors."""
    card = cycle_scorecard(cycle)
    reviews = list(
        Review.objects.filter(cycle=cycle)
        .order_by("pk")
        .values_list("pk", "team_id", "adjustment", "adjustment_reason")
    )
    actuals: dict[int, dict] = defaultdict(dict)
    for review_id, item_id, reported, verified, excused in (
        KpiActual.objects.filter(review__cycle=cycle)
        .values_list("review_id", "item_id", "reported_value", "verified_value", "excused_reason")
        .iterator(chunk_size=CHUNK)
    ):
        if excused:
            actuals[review_id][str(item_id)] = scoring.Excused(excused)
        elif verified is not None or reported is not None:
            actuals[review_id][str(item_id)] = plain(verified if verified is not None else reported)
    given: dict[int, dict] = defaultdict(
        lambda: defaultdict(lambda: {"self": None, "leader": None, "peers": []})
    )
    for review_id, role, competency_id, value in (
        Rating.objects.filter(
            assessment__review__cycle=cycle, assessment__submitted_at__isnull=False
        )
        .values_list("assessment__review_id", "assessment__role", "competency_id", "value")
        .iterator(chunk_size=CHUNK)
    ):
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


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _Lines(io.RawIOBase):
    """A file over a generator of text lines, for `copy_expert` (streams, bounded memory)."""

    def __init__(self, lines):
        self.lines, self.buffer = lines, b""

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.lines).encode()
            except StopIteration:
                break
        size = len(self.buffer) if size < 0 else size
        chunk, self.buffer = self.buffer[:size], self.buffer[size:]
        return chunk


def cycle_compute_streamed(*, cycle_id: int) -> int:
    cycle = Cycle.objects.get(pk=cycle_id)
    card, participants = cycle_inputs_streamed(cycle)
    results = scoring.score_cycle(card, participants)
    del participants
    now = timezone.now()
    cache: dict = {}
    fields = [name for name in RESULT_FIELDS if name != "cycle"]
    columns = ["review_id", "cycle_id", *(Result._meta.get_field(f).column for f in fields)]

    def lines():
        for result in results:
            row = [
                result.id, cycle.pk, result.kpi_score, result.competency_score,
                result.final_score, result.rank, result.team_rank, result.grade or "",
                result.bonus_multiplier, json.dumps(list(result.flags)),
                json.dumps(pack(result.explanation, cache)), now.isoformat(),
            ]  # fmt: skip
            yield "\t".join(_copy_text(value) for value in row) + "\n"

    table = connection.ops.quote_name(Result._meta.db_table)
    names = ", ".join(columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE incoming ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"
        )
        cursor.copy_expert(f"COPY incoming ({names}) FROM STDIN", _Lines(lines()), size=65536)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming "
            f"ON CONFLICT (review_id) DO UPDATE SET {updates}"
        )
        cursor.execute(
            f"DELETE FROM {table} r WHERE r.cycle_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.review_id = r.review_id)",
            [cycle.pk],
        )
    return len(results)


VARIANTS = {
    "product": computation.cycle_compute,
    "prototype": cycle_compute_streamed,
}


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {connection.ops.quote_name(Result._meta.db_table)}")


STORED = [
    "review_id", "kpi_score", "competency_score", "final_score", "rank", "team_rank", "grade",
    "bonus_multiplier", "flags", "explanation",
]  # fmt: skip


def _stored() -> list:
    return list(Result.objects.order_by("review_id").values_list(*STORED))


def child(variant: str, mode: str) -> None:
    run = VARIANTS[variant]
    cycle_id = Cycle.objects.get().pk
    _vacuum()
    if mode == "rss":
        with open("/proc/self/status") as status:
            before = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        run(cycle_id=cycle_id)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"{variant}: peak RSS added {(peak - before) / 1024:.0f} MiB")
        return
    run(cycle_id=cycle_id)  # warm-up
    times = []
    for _ in range(3):
        _vacuum()
        gc.collect()
        started = time.perf_counter()
        run(cycle_id=cycle_id)
        times.append(time.perf_counter() - started)
    _vacuum()
    gc.collect()
    tracemalloc.start()
    run(cycle_id=cycle_id)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"{variant}: wall {', '.join(f'{t:.2f}' for t in sorted(times))} s "
        f"(median {sorted(times)[1]:.2f}); tracemalloc peak {peak / 2**20:.0f} MiB"
    )


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "time"
    if len(sys.argv) > 2:  # a child: one variant, one measurement
        child(sys.argv[2], mode)
        return
    if mode == "check":
        cycle_id = Cycle.objects.get().pk
        computation.cycle_compute(cycle_id=cycle_id)
        expected = _stored()
        cycle_compute_streamed(cycle_id=cycle_id)
        print(f"identical stored results: {_stored() == expected} ({len(expected)} results)")
        return
    for variant in ("product", "prototype", "product", "prototype"):
        command = [sys.executable, "-m", "bench.prototype_streamed", mode, variant]
        subprocess.run(command, check=True)  # noqa: S603


if __name__ == "__main__":
    main()

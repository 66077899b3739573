"""The write of a computation's results, in the transaction the run opens: a bulk upsert
(SQLite and others), or a COPY and one delete-and-upsert statement on PostgreSQL. Either
gives each result the same digest, so a rerun on the same inputs rewrites no row."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from kpis import scoring
from reviews.models import Cycle, Result

RESULT_FIELDS = [
    "cycle",
    "kpi_score",
    "competency_score",
    "final_score",
    "rank",
    "team_rank",
    "grade",
    "bonus_multiplier",
    "position",
    "flags",
    "explanation",
    "digest",
    "computed_at",
]


class Scored(NamedTuple):
    """A participant's scores and packed explanation: what a scoring process sends back."""

    id: str
    kpi_score: Decimal | None
    competency_score: Decimal | None
    final_score: Decimal | None
    flags: tuple[str, ...]
    explanation: dict | str  # `pack` or `pack_json`


RESULT_COLUMNS = ["review_id", "cycle_id", *(name for name in RESULT_FIELDS if name != "cycle")]


def result_positions(
    scored: list[Scored], placings: dict[str, scoring.Placing], name_order: dict[str, int]
) -> dict[str, int]:
    """Each result's place in the cycle's default order, from 1: by rank, results without
    one last (as PostgreSQL sorts NULLs), then by `name_order` (`inputs.name_order`: the
    PM's name as the database collates it, then the review)."""

    def key(row_id: str) -> tuple:
        placing = placings.get(row_id)
        return (placing is None, 0 if placing is None else placing.rank, name_order[row_id])

    ordered = sorted((row.id for row in scored), key=key)
    return {row_id: position for position, row_id in enumerate(ordered, start=1)}


def _result_values(
    cycle: Cycle,
    scored: list[Scored],
    placings: dict[str, scoring.Placing],
    positions: dict[str, int],
):
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
            positions[row.id],
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


def results_upsert(
    cycle: Cycle,
    scored: list[Scored],
    placings: dict[str, scoring.Placing],
    positions: dict[str, int],
) -> None:
    """The portable write: delete stale results, then one bulk upsert (SQLite and others)."""
    rows = [
        Result(**dict(zip(RESULT_COLUMNS, (*said, _digest(said), when), strict=True)))
        for *said, when in _result_values(cycle, scored, placings, positions)
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


def can_copy() -> bool:
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


def results_copy(
    cycle: Cycle,
    scored: list[Scored],
    placings: dict[str, scoring.Placing],
    positions: dict[str, int],
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
        for *said, when in _result_values(cycle, scored, placings, positions):
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

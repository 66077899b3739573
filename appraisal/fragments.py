"""Parts of the busiest pages, cached until a table they read is written.

HR's cycle table and calibration page, a leader's team page and a result page read
thousands of rows and render up to a hundred, and HR reads them far more often than they
change (bench/RESULTS.md). Each table has a *stamp* in the shared cache, a random token
replaced whenever a statement writes to that table; a cached part's key holds the stamps
of the tables it reads, so the first request after a write builds it afresh and no write
is ever hidden, whatever wrote it: the ORM, a bulk update, raw SQL, another process.

- Writes are seen below the ORM: an execute wrapper on every database connection reads
  the table names of each INSERT, UPDATE, DELETE and TRUNCATE. It replaces their stamps at
  once (so the writing connection reads its own writes, inside a transaction too) and
  again when the transaction commits (so a request that read the old rows just before the
  commit cannot leave them under the new stamp).
- `COPY ... FROM` is not seen (psycopg2 sends it without `execute`): the computation
  copies into a temporary table only, and the statement that writes its results is seen.
  A process that writes with another cache (or none) renews no stamp either: run
  management commands with the same `CACHE_URL` as the web processes.
- What a part reads is declared next to its view (`tables=`), and tests check the
  declaration against the tables its queries really name.
- A stamp missing from the cache (evicted, or a restarted Redis) gets a new token:
  nothing cached before can match it.
- A part's key also holds a digest of the code and templates (`release`), so a deploy
  never serves a part the previous release made.
- The CSRF token is never cached: a part is rendered with a placeholder, which each
  response replaces with its own token.

On only where every process shares the cache (`FRAGMENT_CACHE`, on when `CACHE_URL`
names a Redis): with a per-process cache a worker would not see another's writes.
Cached parts also expire after `FRAGMENT_CACHE_SECONDS`, so a change made outside Django's
connections (psql) shows within that time.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

T = TypeVar("T")

STAMP_PREFIX = "stamp:"
PART_PREFIX = "part:"
CSRF_PLACEHOLDER = "csrf-placeholder-7f3a9c"
_CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}">'

# The table after INSERT [OR x] INTO, UPDATE (not ON CONFLICT's "DO UPDATE SET"), DELETE
# FROM or TRUNCATE [TABLE], quoted or not, as Django's backends and our raw SQL write it.
_WRITTEN = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?!\s+SET\b)|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)"
    r'\s+(?:ONLY\s+)?"?(\w+)"?',
    re.IGNORECASE,
)


def enabled() -> bool:
    return bool(getattr(settings, "FRAGMENT_CACHE", False))


def written_tables(sql) -> set[str]:
    """The tables a statement writes to; none for a SELECT."""
    text = sql if isinstance(sql, str) else str(sql)
    if text.lstrip()[:6].upper() == "SELECT":
        return set()
    return {name.lower() for name in _WRITTEN.findall(text)}


def tables(*models) -> tuple[str, ...]:
    """The database tables of these models, for `tables=` and `stamp`."""
    return tuple(model._meta.db_table for model in models)


def stamps_replace(tables: Iterable[str]) -> None:
    """New stamps for these tables: every cached part that reads one is out of date."""
    cache.set_many({STAMP_PREFIX + table: secrets.token_hex(6) for table in tables}, None)


def track_writes(execute, sql, params, many, context):
    """Execute wrapper (installed on every connection): replace the stamps of the tables a
    statement wrote, at once and again after its transaction commits."""
    result = execute(sql, params, many, context)
    if enabled():
        tables = written_tables(sql)
        if tables:
            stamps_replace(tables)
            connection = context["connection"]
            if connection.in_atomic_block:
                _after_commit(connection, tables)
    return result


def _after_commit(connection, tables: set[str]) -> None:
    """One replacement per table at commit, however many statements wrote to it. Django
    swaps `run_on_commit` for a new list at every commit and rollback (and when a savepoint
    is rolled back, dropping what was registered inside it), so a table registered on the
    current list is registered for this transaction."""
    registered = connection.__dict__.setdefault("_fragment_tables", {})
    pending = connection.run_on_commit
    new = {table for table in tables if registered.get(table) is not pending}
    if new:
        for table in new:
            registered[table] = pending
        connection.on_commit(lambda: stamps_replace(new))


def install(connection, **kwargs) -> None:
    """`connection_created` receiver: watch this connection's writes (once)."""
    if track_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(track_writes)


def stamp(tables: Iterable[str]) -> str | None:
    """The stamps of these tables as one string (None when the cache is off): part of the
    key of anything built from them."""
    if not enabled():
        return None
    keys = [STAMP_PREFIX + table for table in sorted(set(tables))]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:  # add, not set: another process may give it a token first
            cache.add(key, secrets.token_hex(6), None)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return ".".join(found[key] for key in keys)


@functools.cache
def release() -> str:
    """A digest of the project's code and templates: a part made by one release is never
    served by another (a deploy changes what a part shows without writing any table)."""
    digest = hashlib.blake2b(digest_size=8)
    root = Path(settings.BASE_DIR)
    for folder in ("appraisal", "kpis", "reviews", "templates"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(name: str, vary: tuple, stamps: str) -> str:
    text = repr((name, vary, stamps, get_language(), get_current_timezone_name(), release()))
    return PART_PREFIX + name + ":" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def value(name: str, *vary, tables: Iterable[str], build: Callable[[], T]) -> T:
    """`build()`, cached under `name` and `vary` until one of `tables` is written (and
    per language and time zone: a value may hold translated text and local times). Built
    afresh when the cache is off."""
    return cached(name, vary, stamp(tables), build)


def cached(name: str, vary: tuple, stamps: str | None, build: Callable[[], T]) -> T:
    """`build()` cached under `name`, `vary` and `stamps` (what `stamp` gave); built afresh
    when `stamps` is None. Rendered HTML keeps the CSRF field as a placeholder: the caller
    fills it in (`with_csrf`)."""
    if stamps is None:
        return build()
    key = _key(name, vary, stamps)
    hit = cache.get(key)
    if hit is not None:
        return hit[0]
    result = build()
    cache.set(key, (result,), settings.FRAGMENT_CACHE_SECONDS)
    return result


def with_csrf(text: str, token) -> str:
    """The part with this response's CSRF field in place of the placeholder."""
    if CSRF_PLACEHOLDER not in text:
        return text
    if not token or str(token) == "NOTPROVIDED":
        return text.replace(_CSRF_INPUT, "")
    return text.replace(CSRF_PLACEHOLDER, str(token))

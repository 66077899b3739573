"""Versions of what cached page parts are built from, in Django's cache framework (Zulip's
flush-on-save: `docs/subsystems/caching.md`).

A version is a random token under a name ("cycle:12", "people"). A service that changes
what a part shows replaces the token, at once and again after its transaction commits
(`bump`), so the next request builds the part afresh under a new key. A token missing
from the cache (evicted, Redis restarted) is replaced by a new one, so nothing stored
before can match it.

Cached parts are on only when every process shares the cache (`PAGE_PARTS`, on when
`CACHE_URL` names one): with a cache per process, one worker would not see another's
bump. Parts also expire after `PAGE_PARTS_SECONDS`, which bounds how long a change made
outside the services (the Django admin, psql) stays unseen.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

PREFIX = "version:"


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_PARTS", False))


def part_seconds() -> int:
    """How long a part may live: 0 (not stored) when parts are off."""
    return settings.PAGE_PARTS_SECONDS if enabled() else 0


def version(name: str) -> str:
    """The current token of `name`, made when missing."""
    key = PREFIX + name
    token = cache.get(key)
    if token is None:
        cache.add(key, secrets.token_hex(8), None)  # add: another process may be first
        token = cache.get(key) or secrets.token_hex(8)
    return token


def bump(name: str) -> None:
    """Replace `name`'s token now, so the writer's own next page shows its change, and again
    when the caller's transaction commits, so a part another process built from the rows
    as they were before the commit is never served under the token that follows it."""

    def replace() -> None:
        cache.set(PREFIX + name, secrets.token_hex(8), None)

    replace()
    transaction.on_commit(replace)

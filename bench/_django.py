"""Django set-up, and the machine check, shared by the benchmark commands.

The benchmark measures what production runs, so DEBUG is off unless DJANGO_DEBUG says
otherwise (`appraisal.settings.local` turns it on by default, and with DEBUG on Django
keeps the text of every query in memory, which inflates both time and memory).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django  # noqa: PLC0415 - the settings module is chosen first

    django.setup()


def database_settings() -> dict:
    from django.conf import settings  # noqa: PLC0415 - read after setup()

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(
            "The benchmark runs on PostgreSQL: set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/appraisal_bench"
        )
    return database


def wait_quiet(threshold: float, say: Callable, *, patience: int = 900) -> None:
    """Wait (at most `patience` seconds) until the 1-minute load average is below
    `threshold`: the machine is shared, and other work there doubles the figures."""
    waited = 0
    while os.getloadavg()[0] >= threshold and waited < patience:
        if waited % 60 == 0:
            say(f"  load average {os.getloadavg()[0]:.1f}: waiting for below {threshold}")
        time.sleep(5)
        waited += 5

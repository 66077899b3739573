"""Production settings: `check --deploy` is clean, and a start without a secret key fails."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "CACHE_URL"))
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="appraisal.settings.production",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-for-the-test",
        DJANGO_ALLOWED_HOSTS="appraisal.example.com",
        DATABASE_URL="postgres://appraisal@db.example.com:5432/appraisal",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="appraisal.settings.production",
        DJANGO_ALLOWED_HOSTS="appraisal.example.com",
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_placeholder_secret_key_of_env_example():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="appraisal.settings.production",
        DJANGO_SECRET_KEY="change-me-to-a-long-random-string",
        DJANGO_ALLOWED_HOSTS="appraisal.example.com",
        DATABASE_URL="postgres://appraisal@db.example.com:5432/appraisal",
    )

    assert result.returncode != 0
    assert "long random string" in result.stderr


def test_production_refuses_to_seed_the_demo_company():
    result = run_manage(
        "seed_demo",
        DJANGO_SETTINGS_MODULE="appraisal.settings.production",
        DJANGO_SECRET_KEY="y" * 60,
        DJANGO_ALLOWED_HOSTS="appraisal.example.com",
        DATABASE_URL="sqlite:////tmp/never-created-by-seed.sqlite3",
    )

    assert result.returncode != 0
    assert "published password" in result.stderr


SHOW_SESSIONS = (
    "from django.conf import settings; "
    "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
)


def test_with_a_shared_cache_sessions_are_cached_and_without_one_they_stay_in_the_database():
    production = {
        "DJANGO_SETTINGS_MODULE": "appraisal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-the-test",
        "DJANGO_ALLOWED_HOSTS": "appraisal.example.com",
        "DATABASE_URL": "postgres://appraisal@db.example.com:5432/appraisal",
    }

    shared = run_manage(
        "shell", "-c", SHOW_SESSIONS, CACHE_URL="redis://redis:6379/1", **production
    )
    alone = run_manage("shell", "-c", SHOW_SESSIONS, **production)

    assert shared.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.sessions.backends.cached_db",
        "django.core.cache.backends.redis.RedisCache",
    ], shared.stderr
    # A per-process cache would keep a signed-out session alive in the other workers.
    assert alone.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
    ], alone.stderr

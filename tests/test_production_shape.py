"""bin/serve is the one place the production processes' commands are written: docker compose
runs its subcommands, the image builds and starts with them, and CI's smoke run
(.ci/smoke_production.py) starts the same ones and drives them over HTTP. No Docker engine
runs in CI, so these check that compose and the Dockerfile go through bin/serve."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "bin" / "serve"


def serve(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "CACHE_URL", "WEB_"))
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [str(SERVE), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def compose_commands() -> dict[str, str]:
    """Each docker-compose.yml service's `command:`, by service name."""
    commands, service = {}, None
    for line in (ROOT / "docker-compose.yml").read_text().splitlines():
        if match := re.match(r"^  ([\w-]+):\s*$", line):
            service = match.group(1)
        elif match := re.match(r"^    command:\s*(.+?)\s*$", line):
            commands[service] = match.group(1)
    return commands


def test_every_compose_service_of_the_app_runs_a_bin_serve_subcommand():
    assert compose_commands() == {
        "migrate": "bin/serve migrate",
        "web": "bin/serve web",
        "worker": "bin/serve worker",
        "beat": "bin/serve beat",
    }


def test_the_image_starts_the_web_subcommand_by_default():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert 'CMD ["bin/serve", "web"]' in dockerfile
    assert os.access(SERVE, os.X_OK)


def test_the_image_build_collects_static_files_with_the_environment_the_dockerfile_gives(
    tmp_path,
):
    # The build has settings but no secret, database or Redis: the RUN step's own
    # NAME=value assignments must be enough for the production settings to load.
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    step = next(line for line in dockerfile.splitlines() if "bin/serve collectstatic" in line)
    words = shlex.split(step.removeprefix("RUN").split("bin/serve collectstatic")[0])
    build_env = dict(word.split("=", 1) for word in words)
    assert "DJANGO_SECRET_KEY" in build_env

    result = serve(
        "collectstatic",
        "--dry-run",
        **build_env,
        PYTHON=sys.executable,
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )

    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "static").exists()


def fake_python(tmp_path: Path) -> str:
    """An interpreter that prints its settings module and arguments instead of running."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "$DJANGO_SETTINGS_MODULE $*"\n')
    fake.chmod(0o755)
    return str(fake)


def test_each_subcommand_runs_its_process_with_production_settings(tmp_path):
    python = fake_python(tmp_path)
    settings = "appraisal.settings.production"

    assert serve("migrate", PYTHON=python).stdout == f"{settings} manage.py migrate --noinput\n"
    assert serve("web", PYTHON=python).stdout == (
        f"{settings} -m gunicorn appraisal.wsgi:application --bind 0.0.0.0:8000 --workers 3 "
        "--access-logfile -\n"
    )
    assert serve("worker", PYTHON=python).stdout == (
        f"{settings} -m celery -A appraisal worker --loglevel=info --concurrency=2\n"
    )
    assert serve("beat", PYTHON=python).stdout == (
        f"{settings} -m celery -A appraisal beat --loglevel=info "
        "--schedule /tmp/celerybeat-schedule\n"
    )


def test_the_environment_moves_the_web_server_and_extra_arguments_pass_on(tmp_path):
    result = serve(
        "web",
        "--timeout",
        "60",
        PYTHON=fake_python(tmp_path),
        WEB_BIND="127.0.0.1:8123",
        WEB_WORKERS="2",
        DJANGO_SETTINGS_MODULE="appraisal.settings.local",
    )

    assert result.stdout == (
        "appraisal.settings.local -m gunicorn appraisal.wsgi:application "
        "--bind 127.0.0.1:8123 --workers 2 --access-logfile - --timeout 60\n"
    )


def test_an_unknown_subcommand_is_refused_with_the_usage():
    result = serve("runserver")

    assert result.returncode == 64
    assert result.stdout == ""
    assert "usage: bin/serve migrate|collectstatic|web|worker|beat" in result.stderr

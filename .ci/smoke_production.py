"""CI's smoke run of the production shape: the processes docker compose starts, started here
by the same script (bin/serve) on this machine's PostgreSQL and Redis, then driven over HTTP.

1. A PostgreSQL database of its own (SMOKE_DATABASE, default appraisal_smoke), created
   fresh and dropped afterwards; Redis databases of their own for the broker and the cache
   (SMOKE_BROKER_DB 13, SMOKE_CACHE_DB 14: the tests use 15), emptied before and after.
2. `bin/serve migrate`; `bin/serve collectstatic` with the image build's environment (no
   database, no Redis) into a temporary STATIC_ROOT; `manage.py check --deploy`.
3. `bin/serve web` (gunicorn on a free loopback port), `bin/serve worker`, `bin/serve beat`,
   each in a process group of its own, with appraisal.settings.production and the variables
   compose's .env gives (a throwaway DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL,
   CELERY_BROKER_URL, CACHE_URL). Mail goes to Django's in-memory backend: no SMTP here.
4. `manage.py seed_demo` (its published password is refused in production unless
   DJANGO_DEMO_SEED_ALLOWED says otherwise: said for this command only).
5. HTTP as a browser behind the TLS proxy: every request says `X-Forwarded-Proto: https`
   (SECURE_PROXY_SSL_HEADER); plain http is checked to be redirected, cookies to be Secure.
   HR signs in through the login form with its CSRF token.
6. HR presses Compute on the results page of the demo cycle in review; the progress
   fragment is polled until the job ends; the worker's log must show the task.
7. A result page from the results table must show a final score.
8. Everything started is stopped (its whole process group), the database dropped and the
   Redis databases emptied, on success, failure or interruption (SIGINT, SIGTERM, SIGHUP).

Fails with a non-zero exit, the step that failed and why, and the last lines of every
process's log; full logs are kept in test-artifacts/smoke-production/. Every wait is
bounded, and the whole run by SMOKE_BUDGET_SECONDS (default 180).

Run it with the project's interpreter: `.venv/bin/python .ci/smoke_production.py`.

What it knows of the app (to update when these change): the sign-in form at
/accounts/login/; the demo cycle in review (reviews/demo.py REVIEW_CYCLE) linked from
/cycles/; the cycle page's link to its results page; on that page the Compute form (a form
whose button says action=compute, or whose action URL ends in compute/) and the progress
fragment (#compute-progress, its hx-get URL, #compute-error, #last-good-run); the results
table's links to result pages (/reviews/<id>/result/), and #final-score on those.
"""

from __future__ import annotations

import contextlib
import html.parser
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg2  # a dependency of the project (pyproject.toml)
import redis  # a dependency of the project (pyproject.toml)

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "bin" / "serve"
LOGS = ROOT / "test-artifacts" / "smoke-production"
PYTHON = sys.executable

POSTGRES = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("SMOKE_DATABASE", "appraisal_smoke")
REDIS = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379")
BROKER_DB = int(os.environ.get("SMOKE_BROKER_DB", "13"))
CACHE_DB = int(os.environ.get("SMOKE_CACHE_DB", "14"))
BUDGET = float(os.environ.get("SMOKE_BUDGET_SECONDS", "180"))

HR_USERNAME = "ye.qing"  # appraisal/demo.py: the demo company's HR
DEMO_PASSWORD = "appraise-demo"  # noqa: S105 - appraisal/demo.py's published demo password
REVIEW_CYCLE = "2026 Q4 · Growth and Commerce"  # reviews/demo.py: the demo cycle in review
# The variables a deployment sets; the environment CI runs in sets some (DATABASE_URL,
# CELERY_BROKER_URL for the tests): none of them leaks into the production processes.
DEPLOYMENT_PREFIXES = ("DJANGO_", "CELERY_", "DATABASE_", "CACHE_", "FRAGMENT_CACHE", "WEB_")
STARTED = time.monotonic()


class SmokeError(Exception):
    """A step did not do what production must: the message says what was seen."""


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupted)
    processes: list[Process] = []
    progress = {"step": "set-up"}
    try:
        with tempfile.TemporaryDirectory(prefix="smoke-production-") as scratch:
            progress["step"] = "database and Redis"
            with _fresh_database(), _empty_redis():
                try:
                    _steps(processes, progress, Path(scratch))
                finally:
                    # Before the database is dropped, so nothing still writes to it.
                    _stop_all(processes)
    except BaseException as error:
        _stop_all(processes)
        if isinstance(error, SmokeError):
            message = str(error)
        else:  # a database or Redis refusing, an interruption, or a bug in this script
            message = f"{type(error).__name__}: {error}"
            if not isinstance(error, KeyboardInterrupt):
                traceback.print_exc()
        _report_failure(progress["step"], message, processes)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    print(f"smoke: production shape OK in {time.monotonic() - STARTED:.1f} s")
    return 0


def _steps(processes: list[Process], progress: dict[str, str], scratch: Path) -> None:
    port = _free_port()
    env = _production_environment(scratch, port)

    def step(name: str) -> None:
        progress["step"] = name
        print(f"smoke: [{time.monotonic() - STARTED:5.1f} s] {name}")

    step("migrate")
    _run_once(processes, "migrate", [str(SERVE), "migrate"], env, timeout=120)
    step("collectstatic, with the image build's environment")
    build_env = _image_build_environment(env)
    _run_once(processes, "collectstatic", [str(SERVE), "collectstatic"], build_env, timeout=90)
    step("check --deploy")
    check = [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    _run_once(processes, "check", check, env, timeout=60)
    step("start web, worker and beat")
    web = _start(processes, "web", [str(SERVE), "web"], env)
    worker = _start(processes, "worker", [str(SERVE), "worker"], env)
    beat = _start(processes, "beat", [str(SERVE), "beat"], env)
    step("seed_demo")
    seed_env = {**env, "DJANGO_DEMO_SEED_ALLOWED": "true"}
    _run_once(processes, "seed", [PYTHON, "manage.py", "seed_demo"], seed_env, timeout=120)
    step("web answers /healthz/")
    client = Client(f"127.0.0.1:{port}")
    _wait_for_web(client, web)
    step("worker and beat ready")
    _wait_for_log(worker, "ready.", timeout=60)
    _wait_for_log(beat, "beat: Starting", timeout=30)
    step("HTTPS as production serves it")
    _check_https(client)
    step("sign in")
    _sign_in(client)
    step("compute through the worker")
    results_path = _compute(client, worker)
    step("result page")
    score = _result_score(client, results_path)
    for process in (web, worker, beat):
        process.require_alive()
    print(f"smoke: a result page shows the final score {score}")
    progress["step"] = "stop and clean up"


# The environment ----------------------------------------------------------------------------


def _production_environment(scratch: Path, port: int) -> dict[str, str]:
    """What compose's .env and `environment:` give every service, pointed at this machine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(DEPLOYMENT_PREFIXES)
        and key not in {"PYTHON", "PYTHONPATH", "PYTHONSTARTUP"}
    }
    redis = REDIS.rstrip("/")
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "appraisal.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": _database_url(DATABASE),
            "CELERY_BROKER_URL": f"{redis}/{BROKER_DB}",
            "CACHE_URL": f"{redis}/{CACHE_DB}",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_STATIC_ROOT": str(scratch / "static"),
            "DJANGO_MEDIA_ROOT": str(scratch / "media"),
            "WEB_BIND": f"127.0.0.1:{port}",
            "CELERY_BEAT_SCHEDULE_FILE": str(scratch / "celerybeat-schedule"),
            "PYTHON": PYTHON,
            "PYTHONUNBUFFERED": "1",
            # gunicorn 27 keeps a control socket under ~/.gunicorn: a home of its own, so
            # this run never takes over the socket of another gunicorn on a shared machine.
            "HOME": str(scratch),
        }
    )
    return env


def _image_build_environment(env: dict[str, str]) -> dict[str, str]:
    """The Dockerfile's collectstatic step: settings without secrets, database or Redis."""
    build = {
        key: value
        for key, value in env.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    build.update(
        {
            "DJANGO_SECRET_KEY": "collectstatic-only-not-a-secret-but-long-enough-to-pass",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": "postgres://unused/unused",
        }
    )
    return build


def _database_url(name: str) -> str:
    return urllib.parse.urlsplit(POSTGRES)._replace(path=f"/{name}").geturl()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _fresh_database() -> Iterator[None]:

    if not re.fullmatch(r"[a-z_][a-z0-9_]*", DATABASE):
        raise SmokeError(f"SMOKE_DATABASE must be a plain lower-case name, not {DATABASE!r}")

    def execute(statement: str) -> None:
        connection = psycopg2.connect(POSTGRES, connect_timeout=10)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    # WITH (FORCE) ends the connections a killed earlier run may have left (PostgreSQL 13+).
    execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{DATABASE}"')
    print(f"smoke: database {DATABASE} created")
    try:
        yield
    finally:
        execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        print(f"smoke: database {DATABASE} dropped")


@contextlib.contextmanager
def _empty_redis() -> Iterator[None]:

    clients = [
        redis.Redis.from_url(f"{REDIS.rstrip('/')}/{number}", socket_timeout=10)
        for number in (BROKER_DB, CACHE_DB)
    ]
    for client in clients:
        client.flushdb()  # no message or cached page left by an earlier run
    try:
        yield
    finally:
        for client in clients:
            client.flushdb()
            client.close()


# Processes ----------------------------------------------------------------------------------


class Process:
    """A command started in a process group of its own, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = LOGS / f"{name}.log"
        with self.log.open("wb") as output:
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands, fixed arguments
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.is_stopped = False
        print(f"smoke: started {name} (pid {self.popen.pid}): {' '.join(argv[-2:])}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def require_alive(self) -> None:
        if self.popen.poll() is not None:
            raise SmokeError(f"{self.name} exited with status {self.popen.returncode}")

    def stop(self) -> None:
        """SIGTERM to the whole group (gunicorn's and Celery's children too), SIGKILL to the
        group if its leader still runs 15 s later. Only while the leader is not yet reaped:
        until then the group's id cannot name anyone else's processes."""
        if self.is_stopped or self.popen.poll() is not None:
            self.is_stopped = True
            return
        self.is_stopped = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print(f"smoke: {self.name} still running 15 s after SIGTERM: SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=5)


def _start(processes: list[Process], name: str, argv: list[str], env: dict[str, str]) -> Process:
    process = Process(name, argv, env)
    processes.append(process)
    return process


def _run_once(
    processes: list[Process], name: str, argv: list[str], env: dict[str, str], *, timeout: float
) -> None:
    began = time.monotonic()
    process = _start(processes, name, argv, env)
    try:
        status = process.popen.wait(timeout=_bounded(timeout))
    except subprocess.TimeoutExpired:
        process.stop()
        raise SmokeError(f"{name} did not finish {_within(timeout)}") from None
    if status != 0:
        raise SmokeError(f"{name} exited with status {status}")
    print(f"smoke: {name} done in {time.monotonic() - began:.1f} s")


def _stop_all(processes: list[Process]) -> None:
    """Stop every process started, the last started first."""
    for process in reversed(processes):
        process.stop()
    running = [process.name for process in processes if process.popen.poll() is None]
    if running:
        print(f"smoke: could not stop {', '.join(running)}", file=sys.stderr)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def _bounded(seconds: float) -> float:
    """`seconds`, or what is left of the whole run's budget if that is less."""
    left = BUDGET - (time.monotonic() - STARTED)
    if left <= 0:
        raise SmokeError(f"the smoke run used up its {BUDGET:.0f} s (SMOKE_BUDGET_SECONDS)")
    return min(seconds, left)


def _within(seconds: float) -> str:
    """How a wait bounded by `_bounded(seconds)` ended, for a failure's message."""
    if BUDGET - (time.monotonic() - STARTED) <= 0.5:
        return f"before the smoke run's {BUDGET:.0f} s (SMOKE_BUDGET_SECONDS) ran out"
    return f"within {seconds:.0f} s"


def _wait_for_log(process: Process, text: str, *, timeout: float) -> None:
    deadline = time.monotonic() + _bounded(timeout)
    while time.monotonic() < deadline:
        if text in process.text():
            return
        process.require_alive()
        time.sleep(0.5)
    raise SmokeError(f"{process.name}'s log did not say {text!r} {_within(timeout)}")


def _report_failure(step: str, message: str, processes: list[Process]) -> None:
    out = sys.stderr
    print(f"\nsmoke: FAILED at step '{step}': {message}", file=out)
    for process in processes:
        lines = process.text().splitlines()[-30:]
        print(f"\n----- last {len(lines)} lines of {process.name} ({process.log}) -----", file=out)
        for line in lines:
            print(f"  {line}", file=out)
    print(
        f"\nsmoke: FAILED at step '{step}' after {time.monotonic() - STARTED:.1f} s: {message}",
        file=out,
    )


# HTTP ---------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is a response to check, not to follow blindly


class Client:
    """A browser behind the TLS-terminating proxy: it reaches gunicorn over plain HTTP on
    loopback, and every request carries `X-Forwarded-Proto: https`, so the Secure cookies
    production sets are sent back as the browser would send them over HTTPS."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.origin = f"https://{host}"
        self.cookies = http.cookiejar.CookieJar(
            http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )
        self.set_cookies: list[str] = []

    def request(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        referer: str | None = None,
        https: bool = True,
        timeout: float = 20,
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Accept-Language": "en", "User-Agent": "smoke-production"}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + (referer or path)
        request = urllib.request.Request(f"http://{self.host}{path}", data=body, headers=headers)
        try:
            response = self.opener.open(request, timeout=_bounded(timeout))
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        except (urllib.error.URLError, OSError) as error:
            raise SmokeError(f"{'POST' if data else 'GET'} {path}: {error}") from error
        with response:
            text = response.read().decode("utf-8", errors="replace")
            self.set_cookies += response.headers.get_all("Set-Cookie") or []
            return response.status, dict(response.headers.items()), text

    def get(self, path: str, *, expect: int = 200) -> str:
        status, _, text = self.request(path)
        if status != expect:
            raise SmokeError(f"GET {path} answered {status}, not {expect}: {_excerpt(text)}")
        return text

    def submit(self, page_path: str, form: Form, values: dict[str, str]) -> tuple[int, str, str]:
        """POST a form as read from its page, with the browser's Origin and Referer."""
        action = urllib.parse.urljoin(page_path, form.action or page_path)
        data = {**form.fields, **values}
        status, headers, text = self.request(action, data=data, referer=page_path)
        return status, headers.get("Location", ""), text


def _excerpt(text: str) -> str:
    """A page's text, from its <main> on when it has one (past the navigation)."""
    main = text.find("<main")
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text[max(main, 0) :])).strip()
    return plain[:300] or "(empty body)"


class Form:
    def __init__(self, action: str, method: str) -> None:
        self.action = action
        self.method = method
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []


class _Forms(html.parser.HTMLParser):
    """Every <form> of a page, with its hidden and named fields and its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(attributes.get("action", ""), attributes.get("method", "get"))
            self.forms.append(self._current)
        elif self._current is not None and "name" in attributes:
            if tag == "button" or attributes.get("type") == "submit":
                self._current.buttons.append((attributes["name"], attributes.get("value", "")))
            elif tag == "input" and attributes.get("type") not in ("checkbox", "radio"):
                self._current.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(page: str) -> list[Form]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


# The steps ----------------------------------------------------------------------------------


def _wait_for_web(client: Client, web: Process) -> None:
    deadline = time.monotonic() + _bounded(60)
    last = "no answer"
    while time.monotonic() < deadline:
        web.require_alive()
        with contextlib.suppress(SmokeError):
            status, _, text = client.request("/healthz/", timeout=5)
            if status == 200 and text.strip() == "ok":
                return
            last = f"{status} {_excerpt(text)}"
        time.sleep(0.5)
    raise SmokeError(f"/healthz/ did not answer 'ok' {_within(60)} (last: {last})")


def _check_https(client: Client) -> None:
    """Production's HTTPS settings are on: plain HTTP is redirected, HTTPS gets HSTS, and
    the static files are WhiteNoise's, with the names collectstatic's manifest gave them."""
    status, headers, _ = client.request("/healthz/", https=False)
    if status != 301 or not headers.get("Location", "").startswith("https://"):
        raise SmokeError(f"plain HTTP answered {status} {headers.get('Location')}, not 301 https")
    status, headers, page = client.request("/accounts/login/")
    if status != 200:
        raise SmokeError(f"GET /accounts/login/ answered {status}: {_excerpt(page)}")
    if "max-age=" not in headers.get("Strict-Transport-Security", ""):
        raise SmokeError("no Strict-Transport-Security header on an HTTPS answer")
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    if stylesheet is None:
        raise SmokeError("the sign-in page links no hashed stylesheet (manifest storage)")
    status, headers, css = client.request(stylesheet.group(1))
    if status != 200 or not css or "immutable" not in headers.get("Cache-Control", ""):
        raise SmokeError(f"{stylesheet.group(1)} answered {status}, not WhiteNoise's file")


def _sign_in(client: Client) -> None:
    path = "/accounts/login/"
    page = client.get(path)
    form = next((form for form in _forms(page) if "password" in form.fields), None)
    if form is None or "csrfmiddlewaretoken" not in form.fields:
        raise SmokeError(f"{path} has no sign-in form with a CSRF token")
    # The CSRF check itself: a POST without the token is refused.
    status, _, _ = client.submit(
        path, form, {"csrfmiddlewaretoken": "", "username": HR_USERNAME, "password": "x"}
    )
    if status != 403:
        raise SmokeError(f"a sign-in POST without a CSRF token answered {status}, not 403")
    status, location, text = client.submit(
        path, form, {"username": HR_USERNAME, "password": DEMO_PASSWORD}
    )
    if status != 302:
        raise SmokeError(
            f"signing in as {HR_USERNAME} answered {status}, not a redirect: {_excerpt(text)}"
        )
    for name in ("sessionid", "csrftoken"):
        cookie = next((c for c in client.set_cookies if c.startswith(f"{name}=")), None)
        if cookie is None or "secure" not in cookie.lower().split("; "):
            raise SmokeError(f"the {name} cookie is missing or not Secure: {cookie}")
    home = client.get(urllib.parse.urlsplit(location).path or "/")
    if HR_USERNAME not in home and "logout" not in home:
        raise SmokeError(f"after signing in, {location} does not show a signed-in page")
    print(f"smoke: signed in as {HR_USERNAME}")


def _compute(client: Client, worker: Process) -> str:
    """HR presses Compute on the results page of the demo cycle in review; returns that
    page's path once the worker has finished the job."""
    cycles = client.get("/cycles/")
    link = re.search(r'<a href="([^"]+)">' + re.escape(REVIEW_CYCLE) + "</a>", cycles)
    if link is None:
        raise SmokeError(f"/cycles/ lists no cycle named {REVIEW_CYCLE!r}")
    cycle_page = client.get(link.group(1))
    results = re.search(r'href="([^"]*/results/)"', cycle_page)
    if results is None:
        raise SmokeError(f"{link.group(1)} links no results page")
    results_path = results.group(1)
    page = client.get(results_path)
    form = next(
        (
            form
            for form in _forms(page)
            if form.method.lower() == "post"
            and (("action", "compute") in form.buttons or form.action.endswith("compute/"))
        ),
        None,
    )
    if form is None:
        raise SmokeError(f"{results_path} has no Compute form")
    values = dict(button for button in form.buttons if button == ("action", "compute"))
    status, _, text = client.submit(results_path, form, values)
    if status != 302:
        raise SmokeError(f"pressing Compute on {results_path} answered {status}: {_excerpt(text)}")
    began = time.monotonic()
    page = client.get(results_path)
    poll = re.search(r'id="compute-progress" hx-get="([^"]+)"', page)
    deadline = time.monotonic() + _bounded(90)
    fragment = page
    while poll is not None and time.monotonic() < deadline:
        worker.require_alive()
        time.sleep(1)
        fragment = client.get(poll.group(1).replace("&amp;", "&"))
        if "hx-get=" not in fragment:
            break
    else:
        if poll is not None:
            raise SmokeError(f"the computation did not end {_within(90)}: {_excerpt(fragment)}")
    if 'id="compute-error"' in fragment:
        raise SmokeError(f"the computation failed: {_excerpt(fragment)}")
    last_good = re.search(r'id="last-good-run">([^<]*)<', fragment)
    if last_good is None or "Last good run" not in last_good.group(1):
        raise SmokeError(f"no good run shown after the computation: {_excerpt(fragment)}")
    # Computed by the worker, not in the web process: the task is in the worker's log.
    _wait_for_log(worker, "Task reviews.tasks.compute_cycle[", timeout=10)
    if not re.search(r"Task reviews\.tasks\.compute_cycle\[[^\]]+\] succeeded", worker.text()):
        raise SmokeError("the worker's log shows no compute_cycle task that succeeded")
    print(
        f"smoke: computed by the worker in {time.monotonic() - began:.1f} s "
        f"({last_good.group(1).strip()})"
    )
    return results_path


def _result_score(client: Client, results_path: str) -> str:
    page = client.get(results_path)
    link = re.search(r'href="(/[^"]*/result/)"', page)
    if link is None:
        raise SmokeError(f"{results_path} links no result page after the computation")
    result = client.get(link.group(1))
    score = re.search(r'id="final-score">\s*(-?\d+(?:\.\d+)?)\s*<', result)
    if score is None:
        shown = re.search(r'id="final-score">([^<]*)<', result)
        raise SmokeError(
            f"{link.group(1)} shows no final score "
            f"({shown.group(1) if shown else 'no #final-score'})"
        )
    return score.group(1)


if __name__ == "__main__":
    sys.exit(main())

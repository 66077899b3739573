"""Page load under gunicorn: 20 signed-in users on each of four pages, with autosaves.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appraisal_pages \
    .venv/bin/python -m bench.pages --pms 2000 --runs 5 [--writes-per-second 0]

On the company `bench.generate --pms N` made (same DATABASE_URL), in this order:

1. Settings: always `appraisal.settings.production` (through bench/server_settings.py,
   which adds the signed-in floor's URL; DEBUG off, WhiteNoise with the
   manifest storage, persistent database connections, CONN_MAX_AGE 60), with a random
   secret key made for the run, DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost and
   DJANGO_SECURE_SSL_REDIRECT=false (the setting .env.example gives a plain local try-out;
   behind the TLS proxy the redirect is the proxy's business), and CACHE_URL naming a
   Redis as docker compose does (BENCH_CACHE_URL, default redis://127.0.0.1:6379/14), so
   sessions are cached_db and a result's explained steps are cached under its digest as
   in production (no page part is cached since 9935092); BENCH_CACHE_URL="" keeps
   sessions in the database alone and caches nothing. That cache is emptied first
   (the company in the database may be a new one that bench.generate wrote without it),
   and collectstatic runs, since the manifest storage refuses to render a page without
   its manifest.
2. Results: the cycle's results are computed once (`reviews.computation.cycle_compute`)
   when they are missing.
3. Users: sessions are written straight into Django's session engine (no sign-in, so
   django-axes and password hashing play no part): 20 distinct team leaders, and 20
   sessions of HR. `bench.generate` makes one HR person, and every HR request does the
   same work whoever sends it, so the 20 HR "users" are 20 sessions of that person.
   Each user also carries the csrftoken cookie the server set on its first visit, as a
   browser does.
4. Pages, one URL per user (`path<TAB>cookie` lines for wrk):
   - team: a leader's team page, /cycles/<pk>/team/ (reviews:team_cycle), each leader
     their own team;
   - cycle: HR's cycle table, /cycles/<pk>/?page=p (reviews:cycle_detail), 50 PMs a
     page, the 20 users on 20 pages spread from the first to the last;
   - result: a PM's explained result, /reviews/<pk>/result/ (reviews:result_detail), HR
     on 20 PMs spread over the company (in calibration only HR may see a result);
   - calibration: HR's results and calibration page, /cycles/<pk>/results/?page=p
     (reviews:cycle_results, the cycle is in calibration), pages spread as for "cycle";
   - healthz: /healthz/, no cookie: the framework's own limit on this server;
   - signed-in: /bench/signed-in/, HR's sessions: the same 2-byte answer after reading
     the session and loading the user, the floor of any signed-in page. The view is the
     benchmark's own (bench/urls.py, served through bench/server_settings.py, which is
     production's settings with that one URL added); the product does not ship it.
5. Server: gunicorn, 2 sync workers, on a free port of 127.0.0.1 (no access log).
6. Checks: every URL of every user is fetched once through the server, redirects not
   followed; anything but a 200 with the page's expected content stops the benchmark.
7. Queries and size: each URL is requested twice in this process with Django's test
   Client (same settings, same sessions); the second is counted with
   CaptureQueriesContext, and its body size is kept.
8. Writes (--writes-per-second, default 8; 0 = GET only): while wrk reads, PMs autosave
   their self-assessment drafts, as the self-assessment page's htmx form does: a POST of
   the whole form (every actual and evidence, every rating, the three texts) with
   `HX-Request`, the form's CSRF token and cookie, and the draft's `version`, which each
   answer renews (the partial's out-of-band version field). Each save changes one rating
   and lengthens a text, as someone typing. 40 PMs spread over the company save, from one
   writer process (forked, no database connection) of 4 threads, each with a keep-alive
   connection and its own 10 PMs, so no two saves of one draft are in flight (that would
   be a 409 version conflict, not load). The schedule is fixed, an open loop: save i is
   due at start + i / rate, however slow the server is. The writer starts before the
   warm-ups and stops after the last round; each save is one line of
   bench/results/pages-<N>[-<label>]-writes.tsv, and each page's run reports the saves
   sent during it. A save that does not answer 2xx/3xx (a refused draft is a 400, a
   version conflict a 409; a socket error or timeout is status 0) is an error of the
   benchmark and fails it.
   Where the writes go, and why: the measured cycle is in calibration, where
   self-assessments (and leader reviews) are refused. Moving it to self-assessment would
   change what the pages measure (the calibration page and the result page are
   calibration's; a leader's team page shows other things in self-assessment); writing
   through the leader review page is refused in calibration too. So the run creates a
   second small cycle on the same scorecard template, in self-assessment with deadlines
   weeks ahead, holding reviews of the 40 PMs only, and deletes it (cascade) at the end
   (and at the start, had an earlier run stopped midway). The four pages read the
   measured cycle only, so their data stay exactly as bench.generate made them (the run
   counts the measured cycle's reviews, assessments, ratings, actuals, results and audit
   entries before and after, and fails if they differ), while the saves write the same
   tables the pages read (assessments, ratings, actuals, audit entries, history) with
   their row locks, index updates and WAL: two cycles open at once, as in a company where
   one department's cycle is in self-assessment while another's is calibrated. The drain
   after each run (below) counts the workers idle when they used under half a core over
   half a second, since with the saves going on they never are. The CPU per request of
   each page includes the saves' share.
9. Load: wrk (`apt-get install wrk`), -t1 -c20 (one client thread: wrk, gunicorn and
   PostgreSQL share the machine's cores, and one epoll thread is far from saturated),
   --timeout 60s, script bench/pages.lua. One warm-up run per page (not counted), then
   --runs rounds; each round runs every page once (healthz first), so a change in the
   machine's speed touches all pages alike. Figures are medians over the rounds:
   p50/p95/p99 latency, requests/s; any response that was not a 200 is counted and
   reported (and makes the benchmark fail). The load average is read before the load and
   before each round (the machine may be shared: read the figures with it). During every
   run the CPU time used by the gunicorn workers, PostgreSQL and wrk is read from /proc,
   per request.

Goal, per page (team, cycle, result, calibration): p95 under 200 ms and no error, with the
writes in the load; the report says pass or fail for each. The signed-in floor's
requests/s is given for reference (the goal on throughput, a third of /healthz/'s, was
retired with the table-stamp cache).

The report goes to bench/results/pages-<N>[-<label>].md and .json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "pages.lua"
HOSTS = "127.0.0.1,localhost"
USERS = 20
PAGE_ORDER = ("healthz", "signed-in", "team", "cycle", "result", "calibration")
# What the others are measured against; the goals are for the four pages.
FLOORS = ("healthz", "signed-in")
GOAL_P95_MS = 200
TIMEOUT = 60  # wrk's --timeout: a slower response is counted as a timeout, not timed
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/14"  # a Redis database of the benchmark's own
# The autosaves (see "Writes" in the docstring).
WRITES_PER_SECOND = 8
WRITE_CYCLE_NAME = "Bench autosaves H2 2025"  # the second cycle, in self-assessment
WRITERS = 40  # PMs who autosave, each on their own self-assessment of that cycle
WRITER_THREADS = 4  # each owns a tenth of the PMs: no two saves of one draft overlap


def _environment() -> dict[str, str]:
    """The production settings the server and this process share."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to the PostgreSQL database bench.generate filled, e.g. "
            "postgres://postgres@127.0.0.1:5432/appraisal_pages"
        )
    return {
        "DJANGO_SETTINGS_MODULE": "bench.server_settings",  # production's, one URL more
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": HOSTS,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "WARNING"),
        # The shared cache production has (docker compose's Redis), so sessions are
        # cached_db as there; BENCH_CACHE_URL="" runs with database sessions instead.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL),
    }


os.environ.update(_environment())

from bench import _django  # noqa: E402

_django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from appraisal.models import Person  # noqa: E402
from appraisal.permissions import HR_GROUP  # noqa: E402
from bench.generate import CYCLE_NAME  # noqa: E402
from reviews.models import Cycle, Phase, Result, Review  # noqa: E402

PAGE_SIZE = 50  # reviews.views.common.PAGE_SIZE


# --------------------------------------------------------------------------- users, URLs


@dataclass
class Visit:
    """One user on one page: the URL, the session, and what the page must show."""

    path: str
    session_key: str | None
    expect: Callable[[str], list[str]]
    csrf_token: str = ""

    def cookie(self) -> str:
        parts = []
        if self.session_key:
            parts.append(f"{settings.SESSION_COOKIE_NAME}={self.session_key}")
        if self.csrf_token:
            parts.append(f"{settings.CSRF_COOKIE_NAME}={self.csrf_token}")
        return "; ".join(parts)


@dataclass
class Page:
    name: str
    title: str
    visits: list[Visit]
    queries: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    alone_ms: list[float] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    warmup: dict | None = None


def session_create(user: User) -> str:
    """A signed-in session for `user`, written as django.contrib.auth.login would."""

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def sessions_delete(keys: Sequence[str]) -> None:
    """The benchmark's sessions, from the database and from the cache (cached_db)."""

    engine = import_module(settings.SESSION_ENGINE)
    for key in keys:
        engine.SessionStore(session_key=key).delete()


def spread(items: Sequence, count: int) -> list:
    """`count` items spread evenly from the first to the last (repeats when too few)."""
    if len(items) == 1 or count == 1:
        return [items[0]] * count
    return [items[round(index * (len(items) - 1) / (count - 1))] for index in range(count)]


def _expect_all(*needles: str, count: tuple[str, int] | None = None):
    def check(body: str) -> list[str]:
        problems = [f"missing {needle!r}" for needle in needles if needle not in body]
        if count is not None and body.count(count[0]) != count[1]:
            problems.append(f"{count[0]!r} {body.count(count[0])} times, expected {count[1]}")
        return problems

    return check


def pages_build(cycle: Cycle, selected: Sequence[str]) -> tuple[list[Page], list[str]]:
    """The pages and their visits; returns the session keys made (deleted at the end)."""
    sessions: list[str] = []
    hr_users = list(User.objects.filter(groups__name=HR_GROUP, is_active=True).order_by("pk"))
    if not hr_users:
        raise SystemExit("No HR user in this database: run bench.generate first.")
    hr_sessions = [session_create(user) for user in spread(hr_users, USERS)]
    sessions += hr_sessions
    review_count = Review.objects.filter(cycle=cycle).count()
    page_count = math.ceil(review_count / PAGE_SIZE)
    numbers = spread(range(1, page_count + 1), USERS)

    def rows_on(number: int) -> int:
        return min(PAGE_SIZE, review_count - (number - 1) * PAGE_SIZE)

    def says_ok(body: str) -> list[str]:
        return [] if body == "ok" else ["not 'ok'"]

    pages = []
    if "healthz" in selected:
        pages.append(
            Page("healthz", "/healthz/ (trivial view)", [Visit("/healthz/", None, says_ok)])
        )
    if "signed-in" in selected:
        pages.append(
            Page(
                "signed-in",
                "/bench/signed-in/ (trivial view, signed in: session and user only)",
                [Visit("/bench/signed-in/", key, says_ok) for key in hr_sessions],
            )
        )
    if "team" in selected:
        leader_ids = list(
            Review.objects.filter(cycle=cycle)
            .order_by("leader_id")
            .values_list("leader_id", flat=True)
            .distinct()
        )
        leaders = {
            person.pk: person
            for person in Person.objects.filter(pk__in=spread(leader_ids, USERS)).select_related(
                "user"
            )
        }
        visits = []
        for leader_id in spread(leader_ids, USERS):
            leader = leaders[leader_id]
            names = list(
                Review.objects.filter(cycle=cycle, leader_id=leader_id).values_list(
                    "person__name", flat=True
                )
            )
            key = session_create(leader.user)
            sessions.append(key)
            visits.append(
                Visit(
                    reverse("reviews:team_cycle", args=[cycle.pk]),
                    key,
                    _expect_all(f"My team in {cycle.name}", *names),
                )
            )
        pages.append(Page("team", "Leader's team page (reviews:team_cycle)", visits))
    if "cycle" in selected:
        url = reverse("reviews:cycle_detail", args=[cycle.pk])
        visits = [
            Visit(
                f"{url}?page={number}",
                key,
                _expect_all(
                    f"Page {number} of {page_count}",
                    f"{review_count} participants",
                    count=('title="Audit trail"', rows_on(number)),
                ),
            )
            for number, key in zip(numbers, hr_sessions, strict=True)
        ]
        pages.append(Page("cycle", "HR cycle table (reviews:cycle_detail)", visits))
    if "result" in selected:
        reviews = spread(
            list(Review.objects.filter(cycle=cycle).order_by("pk").values_list("pk", flat=True)),
            USERS,
        )
        names = dict(Review.objects.filter(pk__in=reviews).values_list("pk", "person__name"))
        visits = [
            Visit(
                reverse("reviews:result_detail", args=[review_id]),
                key,
                _expect_all(f"Result of {names[review_id]}", 'id="final-score"', 'id="kpi-table"'),
            )
            for review_id, key in zip(reviews, hr_sessions, strict=True)
        ]
        pages.append(Page("result", "Result page (reviews:result_detail)", visits))
    if "calibration" in selected:
        url = reverse("reviews:cycle_results", args=[cycle.pk])
        visits = [
            Visit(
                f"{url}?page={number}",
                key,
                _expect_all(
                    f"Results of {cycle.name}",
                    f"Page {number} of {page_count}",
                    f"{review_count} results",
                    count=("/calibrate/", rows_on(number)),
                ),
            )
            for number, key in zip(numbers, hr_sessions, strict=True)
        ]
        pages.append(Page("calibration", "Calibration page (reviews:cycle_results)", visits))
    return pages, sessions


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with `workers` sync workers on a free port; stopped by its own pid."""

    def __init__(self, *, workers: int, log: Path):
        self.port = free_port()
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "appraisal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
        ]

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            self.command(),
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz/", timeout=2) as response:  # noqa: S310
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s: see {self.log}")

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            except OSError:
                continue
            if int(parent) == pid:
                children.append(int(entry.name))
    return sorted(children)


# --------------------------------------------------------------------------- writes


@dataclass
class Writer:
    """One PM autosaving their self-assessment draft in the second cycle."""

    path: str  # the page, read once
    save_path: str  # where its autosave posts
    session_key: str
    csrf_cookie: str = ""
    csrf_form: str = ""
    version: int = 0
    competencies: list[int] = field(default_factory=list)
    kpis: list[int] = field(default_factory=list)

    def cookie(self) -> str:
        parts = [f"{settings.SESSION_COOKIE_NAME}={self.session_key}"]
        if self.csrf_cookie:
            parts.append(f"{settings.CSRF_COOKIE_NAME}={self.csrf_cookie}")
        return "; ".join(parts)


def write_cycle_delete() -> None:
    """The second cycle of an earlier run, with everything written in it (cascade)."""
    for old in Cycle.objects.filter(name=WRITE_CYCLE_NAME):
        old.delete()


def write_cycle_create(cycle: Cycle) -> tuple[Cycle, list[Review]]:
    """A second cycle, in self-assessment, on the measured cycle's scorecard template, with
    WRITERS of its PMs (spread over the company) in it; deadlines weeks ahead."""
    from reviews.services.cycles import _freeze_scorecard  # noqa: PLC0415 - Django is set up in main()

    write_cycle_delete()
    now = datetime.now(UTC)
    days = [now + timedelta(days=count) for count in (14, 28, 42, 56)]
    second = Cycle.objects.create(
        name=WRITE_CYCLE_NAME,
        period_kind=cycle.period_kind,
        period_start=cycle.period_end + timedelta(days=1),
        period_end=cycle.period_end + timedelta(days=184),
        template=cycle.template,
        phase=Phase.SELF_ASSESSMENT,
        self_assessment_deadline=days[0],
        review_deadline=days[1],
        calibration_deadline=days[2],
        acknowledgement_deadline=days[3],
        opened_at=now,
        created_by=cycle.created_by,
    )
    _freeze_scorecard(second)
    second.save(update_fields=["scorecard"])
    measured = spread(list(Review.objects.filter(cycle=cycle).order_by("pk")), WRITERS)
    reviews = Review.objects.bulk_create(
        Review(cycle=second, person_id=r.person_id, leader_id=r.leader_id, team_id=r.team_id)
        for r in measured
    )
    return second, reviews


def measured_fingerprint(cycle: Cycle) -> dict[str, int]:
    """Row counts of what the measured pages show: the writes must leave them alone."""
    from reviews.models import Assessment, AuditEntry, KpiActual, Rating  # noqa: PLC0415 - Django is set up in main()

    return {
        "reviews": Review.objects.filter(cycle=cycle).count(),
        "assessments": Assessment.objects.filter(review__cycle=cycle).count(),
        "ratings": Rating.objects.filter(assessment__review__cycle=cycle).count(),
        "actuals": KpiActual.objects.filter(review__cycle=cycle).count(),
        "results": Result.objects.filter(cycle=cycle).count(),
        "audit entries": AuditEntry.objects.filter(cycle=cycle).count(),
    }


def writers_build(reviews: Sequence[Review], sessions: list[str]) -> list[Writer]:
    writers = []
    for review in reviews:
        key = session_create(review.person.user)
        sessions.append(key)
        writers.append(
            Writer(
                reverse("reviews:self_assessment", args=[review.pk]),
                reverse("reviews:self_assessment_save", args=[review.pk]),
                key,
            )
        )
    return writers


def writers_check(base: str, writers: Sequence[Writer], say: Callable) -> None:
    """Each PM opens their self-assessment page once, as the browser does before the first
    autosave: it must be editable; keeps the CSRF cookie and token, the version, the items."""
    failures = []
    for writer in writers:
        status, body, cookies = fetch(base, Visit(writer.path, writer.session_key, list))
        if status != 200 or 'id="assessment-version"' not in body or "hx-post" not in body:
            failures.append(f"{writer.path}: HTTP {status}, not an editable self-assessment")
            continue
        for cookie in cookies:
            match = re.match(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", cookie)
            if match:
                writer.csrf_cookie = match.group(1)
        writer.csrf_form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
        writer.version = int(re.search(r'id="assessment-version" value="(\d+)"', body)[1])
        writer.competencies = sorted({int(pk) for pk in re.findall(r'name="rating-(\d+)"', body)})
        writer.kpis = sorted({int(pk) for pk in re.findall(r'name="actual-(\d+)"', body)})
    if failures:
        raise SystemExit("Self-assessments not open for the writes:\n  " + "\n  ".join(failures))
    say(f"  checked writes: {len(writers)} self-assessment drafts open in {WRITE_CYCLE_NAME!r}")


def autosave_body(writer: Writer, count: int) -> bytes:
    """The whole form, as htmx posts it on a change: every KPI actual with its evidence,
    every rating, the three texts. Each save changes one rating and lengthens a text, as
    someone typing; the actuals are new on the first save and unchanged after."""

    fields: list[tuple[str, str]] = [
        ("csrfmiddlewaretoken", writer.csrf_form),
        ("version", str(writer.version)),
    ]
    for index, pk in enumerate(writer.kpis):
        fields += [(f"actual-{pk}", str(90 + index)), (f"evidence-{pk}", f"https://wiki/kpi/{pk}")]
    changed = writer.competencies[count % len(writer.competencies)] if writer.competencies else 0
    for index, pk in enumerate(writer.competencies):
        value = (count % 5) + 1 if pk == changed else (index % 5) + 1
        fields.append((f"rating-{pk}", str(value)))
    words = " ".join(["Shipped the onboarding rework with the team."] * (1 + count % 12))
    fields += [
        ("strengths", f"{words} (save {count})"),
        ("gaps", "Roadmap communication to sales."),
        ("support_needed", "A mentor for pricing work."),
    ]
    return urlencode(fields).encode()


def writer_main(
    port: int, writers: list[Writer], rate: float, log_path: str, stop, started_at: float
) -> None:
    """The writer process: autosaves at `rate` a second on a fixed schedule (save i is due
    at started_at + i / rate, whatever the server's latency: an open loop, as people keep
    typing when the server is slow), sent by WRITER_THREADS threads, each with its own
    keep-alive connection and its own PMs, so one draft never has two saves in flight.
    Each save is one line of the log: due time, sent time, latency, status."""

    lock = threading.Lock()
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - closed when the threads end

    def run(thread: int) -> None:
        mine = writers[thread::WRITER_THREADS]
        connection_ = None
        slot, saves = thread, 0
        while not stop.is_set():
            due = started_at + slot / rate
            wait = due - time.monotonic()
            if wait > 0 and stop.wait(wait):
                break
            writer = mine[saves % len(mine)]
            body = autosave_body(writer, saves // len(mine) + 1)
            sent = time.monotonic()
            try:
                if connection_ is None:
                    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                connection_.request(
                    "POST",
                    writer.save_path,
                    body=body,
                    headers={
                        "Cookie": writer.cookie(),
                        "Content-Type": "application/x-www-form-urlencoded",
                        "HX-Request": "true",
                        "HX-Current-URL": f"http://127.0.0.1:{port}{writer.path}",
                        "HX-Trigger": "assessment-form",
                    },
                )
                response = connection_.getresponse()
                text = response.read().decode(errors="replace")
                status = response.status
                match = re.search(r'id="assessment-version" value="(\d+)"', text)
                if 200 <= status < 300 and match:
                    writer.version = int(match[1])
            except (OSError, http.client.HTTPException):
                status = 0  # a socket error or timeout
                if connection_ is not None:
                    connection_.close()
                connection_ = None
            done = time.monotonic()
            with lock:
                log.write(f"{due:.6f}\t{sent:.6f}\t{(done - sent) * 1000:.3f}\t{status}\n")
            slot += WRITER_THREADS
            saves += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(WRITER_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()


class Writes:
    """The writer process, started before the warm-ups and stopped after the last round."""

    def __init__(self, server: Server, writers: list[Writer], rate: float, log: Path):
        self.server, self.writers, self.rate, self.log = server, writers, rate, log
        self.process = None
        self.stop_event = None

    def start(self) -> None:

        context = multiprocessing.get_context("fork")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        self.stop_event = context.Event()
        self.process = context.Process(
            target=writer_main,
            args=(
                self.server.port,
                self.writers,
                self.rate,
                str(self.log),
                self.stop_event,
                time.monotonic() + 0.5,
            ),
            daemon=True,
        )
        connection.close()  # the child must not share this process's database connection
        self.process.start()

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.stop_event.set()
            self.process.join(timeout=TIMEOUT + 10)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join()

    def between(self, start: float, end: float) -> dict:
        """The saves sent between two instants (time.monotonic): how many, how they went."""
        rows = []
        for line in self.log.read_text().splitlines():
            due, sent, latency, status = line.split("\t")
            if start <= float(sent) < end:
                rows.append((float(due), float(sent), float(latency), int(status)))
        return writes_summary(rows, end - start)


def writes_summary(rows: Sequence[tuple[float, float, float, int]], seconds: float) -> dict:
    latencies = sorted(row[2] for row in rows)

    def percentile(share: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, math.ceil(share * len(latencies)) - 1)]

    statuses: dict[str, int] = {}
    for row in rows:
        if not 200 <= row[3] < 400:
            statuses[str(row[3])] = statuses.get(str(row[3]), 0) + 1
    return {
        "sent": len(rows),
        "ok": sum(1 for row in rows if 200 <= row[3] < 400),
        "errors": sum(statuses.values()),
        "errors_by_status": statuses,  # "0": socket error or timeout
        "per_second": len(rows) / seconds if seconds else 0.0,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "late_ms_max": max((row[1] - row[0]) * 1000 for row in rows) if rows else 0.0,
    }


# --------------------------------------------------------------------------- checks


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(base: str, visit: Visit) -> tuple[int, str, list[str]]:
    """GET through the server, redirects not followed: status, body, Set-Cookie lines."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + visit.path)  # noqa: S310 - our local server
    if visit.cookie():
        request.add_header("Cookie", visit.cookie())
    try:
        with opener.open(request, timeout=120) as response:
            return (
                response.status,
                response.read().decode(),
                response.headers.get_all("Set-Cookie") or [],
            )
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), []


def check_pages(base: str, pages: list[Page], say: Callable) -> None:
    """Every URL of every user: 200 and the expected content, or stop. Keeps the csrftoken
    cookie the server sets, as the browser would send it back."""
    failures = []
    for page in pages:
        started = time.perf_counter()
        for visit in page.visits:
            status, body, cookies = fetch(base, visit)
            if status != 200:
                failures.append(f"{page.name} {visit.path}: HTTP {status}")
                continue
            failures += [f"{page.name} {visit.path}: {problem}" for problem in visit.expect(body)]
            for cookie in cookies:
                match = re.match(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", cookie)
                if match:
                    visit.csrf_token = match.group(1)
        say(
            f"  checked {page.name}: {len(page.visits)} URLs, 200 and expected content "
            f"({time.perf_counter() - started:.1f} s)"
        )
    if failures:
        raise SystemExit("Pages are not served as expected:\n  " + "\n  ".join(failures[:20]))


def count_queries(pages: list[Page], say: Callable) -> None:
    """Each URL twice in this process (the page's first URL once more before, to warm up):
    the first is timed (one request alone, no concurrency, the test Client's overhead
    included), the second gives the query count and the body size."""
    client = Client(HTTP_HOST="127.0.0.1")
    for page in pages:
        for visit in page.visits:
            client.cookies.clear()
            for name, value in (
                (settings.SESSION_COOKIE_NAME, visit.session_key),
                (settings.CSRF_COOKIE_NAME, visit.csrf_token),
            ):
                if value:
                    client.cookies[name] = value
            if visit is page.visits[0]:
                client.get(visit.path)  # the first request of a page warms its caches
            started = time.perf_counter()
            response = client.get(visit.path)
            page.alone_ms.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(visit.path)
            if response.status_code != 200:
                raise SystemExit(f"{visit.path}: HTTP {response.status_code} in the test Client")
            page.queries.append(len(captured.captured_queries))
            page.sizes.append(len(response.content))
        say(
            f"  {page.name}: {min(page.queries)}..{max(page.queries)} queries, "
            f"{min(page.sizes):,}..{max(page.sizes):,} bytes, "
            f"{statistics.median(page.alone_ms):.1f} ms alone"
        )


# --------------------------------------------------------------------------- load


def _pid_ticks(pids: Sequence[int]) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def _cpu_ticks(pids: Sequence[int]) -> int:
    return sum(_pid_ticks(pids).values())


def _ticks_used(before: dict[int, int], after: dict[int, int]) -> int:
    """CPU ticks used between two readings: processes alive at both, plus those started in
    between (a backend that replaced a connection older than CONN_MAX_AGE). The ticks of
    a process that ended in between are lost (undercounted)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wrk_run(
    server: Server,
    page: Page,
    *,
    seconds: float,
    connections: int,
    threads: int,
    writes: Writes | None = None,
) -> dict:
    """One wrk run on the page; its JSON summary plus CPU use per component."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as pairs:
        for visit in page.visits:
            pairs.write(f"{visit.path}\t{visit.cookie()}\n")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT}s",
        "-s",
        str(LUA),
        server.base,
        "--",
        pairs.name,
    ]
    ticks = os.sysconf("SC_CLK_TCK")
    workers = server.worker_pids()
    before = (
        _cpu_ticks(workers),
        _pid_ticks(_postgres_pids()),
        _machine_ticks(),
        os.getloadavg()[0],
    )
    children_before = os.times()
    window_start = time.monotonic()
    try:
        output = subprocess.run(  # noqa: S603 - wrk with fixed arguments
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    finally:
        os.unlink(pairs.name)
    window_end = time.monotonic()
    children_after = os.times()
    after = (
        _cpu_ticks(workers),
        _pid_ticks(_postgres_pids()),
        _machine_ticks(),
        os.getloadavg()[0],
    )
    drained = drain(workers, writing=writes is not None)
    line = next((line for line in output.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    run = json.loads(line.removeprefix("WRK_JSON "))
    seconds_measured = run["duration_us"] / 1e6
    requests = max(run["requests"], 1)
    busy = after[2][0] - before[2][0]
    total = after[2][1] - before[2][1]
    # No request finished within the run: every latency is at least the run's length.
    floor_us = run["duration_us"] if run["requests"] == 0 else 0
    run.update(
        {
            "rps": run["requests"] / seconds_measured,
            "p50_ms": max(run["p50_us"], floor_us) / 1000,
            "p95_ms": max(run["p95_us"], floor_us) / 1000,
            "p99_ms": max(run["p99_us"], floor_us) / 1000,
            "no_request_finished": run["requests"] == 0,
            "bytes_per_response": run["bytes"] / requests,
            "cpu_ms_per_request": {
                "gunicorn": (after[0] - before[0]) / ticks * 1000 / requests,
                "postgres": _ticks_used(before[1], after[1]) / ticks * 1000 / requests,
                "wrk": (
                    (children_after.children_user - children_before.children_user)
                    + (children_after.children_system - children_before.children_system)
                )
                * 1000
                / requests,
            },
            "machine_busy": busy / total if total else None,
            "drain_seconds": drained,
            "load_before": before[3],
            "load_after": after[3],
            "writes": writes.between(window_start, window_end) if writes else None,
        }
    )
    return run


def drain(workers: Sequence[int], *, writing: bool = False, patience: float = 600) -> float:
    """Wait until the workers are idle: wrk stops at the deadline, but the requests still
    queued in gunicorn are served after it, and would slow down the next run. With the
    autosaves going on the workers are never idle: then drained means they used less than
    half a core together over half a second (the saves alone use a fraction of that)."""
    started = time.monotonic()
    interval = 0.5 if writing else 0.25
    allowed = os.sysconf("SC_CLK_TCK") * interval * 0.5 if writing else 0
    last = _cpu_ticks(workers)
    while time.monotonic() - started < patience:
        time.sleep(interval)
        now = _cpu_ticks(workers)
        if now - last <= allowed:
            break
        last = now
    return round(time.monotonic() - started, 2)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def summary(page: Page) -> dict:
    runs = page.runs
    return {
        "p50_ms": _median([run["p50_ms"] for run in runs]),
        "p95_ms": _median([run["p95_ms"] for run in runs]),
        "p99_ms": _median([run["p99_ms"] for run in runs]),
        "rps": _median([run["rps"] for run in runs]),
        "rps_range": [min(run["rps"] for run in runs), max(run["rps"] for run in runs)],
        "p95_range": [min(run["p95_ms"] for run in runs), max(run["p95_ms"] for run in runs)],
        "not_200": sum(run["not_200"] for run in runs),
        "timeouts": sum(run["errors"]["timeout"] for run in runs),
        "socket_errors": sum(
            run["errors"][kind] for run in runs for kind in ("connect", "read", "write")
        ),
        "cpu_ms_per_request": {
            part: _median([run["cpu_ms_per_request"][part] for run in runs])
            for part in ("gunicorn", "postgres", "wrk")
        },
        "machine_busy": _median([run["machine_busy"] or 0 for run in runs]),
        "bytes_per_response": _median([run["bytes_per_response"] for run in runs]),
        "writes": writes_total([run["writes"] for run in runs if run.get("writes")]),
    }


def writes_total(windows: Sequence[dict]) -> dict | None:
    """The autosaves during a page's rounds: counts summed, rates and latencies medians."""
    if not windows:
        return None
    statuses: dict[str, int] = {}
    for window in windows:
        for status, count in window["errors_by_status"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "sent": sum(window["sent"] for window in windows),
        "ok": sum(window["ok"] for window in windows),
        "errors": sum(window["errors"] for window in windows),
        "errors_by_status": statuses,
        "per_second": _median([window["per_second"] for window in windows]),
        "p50_ms": _median([window["p50_ms"] for window in windows]),
        "p95_ms": _median([window["p95_ms"] for window in windows]),
        "late_ms_max": max(window["late_ms_max"] for window in windows),
    }


# --------------------------------------------------------------------------- report


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError:
        return "?"
    return (result.stdout or result.stderr).strip().splitlines()[0]


def machine() -> dict:
    import django  # noqa: PLC0415 - the settings module is chosen first

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": _version([str(ROOT / ".venv" / "bin" / "gunicorn"), "--version"]),
        "wrk": _version(["wrk", "--version"]).split(" Copyright")[0],
        "postgresql": postgres,
    }


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    changed = git("status", "--porcelain", "--", "reviews", "appraisal", "templates", "kpis")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if changed else "")


def _span(values: Sequence[int], thousands: bool = False) -> str:
    low, high = min(values), max(values)
    text = (lambda value: f"{value:,}") if thousands else str
    return text(low) if low == high else f"{text(low)}..{text(high)}"


def report(result: dict) -> str:
    pages = result["pages"]
    names = [name for name in PAGE_ORDER if name in pages]
    medians = {name: pages[name]["median"] for name in names}
    label = f" ({result['label']})" if result.get("label") else ""
    rate = result.get("writes_per_second", 0)
    load_text = (
        f"while {rate:g} self-assessment autosaves a second arrive (POSTs of {WRITERS} PMs, "
        f'a second cycle in self-assessment: bench/pages.py, "Writes")'
        if rate
        else "GET only (--writes-per-second 0)"
    )
    lines = [
        f"# Page load at {result['pms']:,} PMs{label}",
        "",
        (
            f"Measured {result['started']} to {result['finished']}, code {result['code']}. "
            f"{result['runs']} rounds of {result['seconds']} s per page after a "
            f"{result['warmup_seconds']} s warm-up; medians over the rounds. "
            f"gunicorn {result['workers']} sync workers, wrk -t{result['threads']} "
            f"-c{result['connections']}, {USERS} signed-in users per page, {load_text}."
        ),
        "",
        (
            "| page | p50 | p95 | p99 | requests/s | errors | autosaves: done, errors, /s, "
            "p95 | queries | bytes | one request alone | CPU ms/request: gunicorn, "
            "PostgreSQL, wrk |"
        ),
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for name in names:
        page, median = pages[name], medians[name]
        cpu = median["cpu_ms_per_request"]
        errors = median["not_200"] + median["socket_errors"]
        writes = median.get("writes")
        writes_text = (
            f"{writes['ok']}, {writes['errors']}, {writes['per_second']:.1f}/s, "
            f"{writes['p95_ms']:.0f} ms"
            if writes
            else "none"
        )
        lines.append(
            f"| {page['title']} | {median['p50_ms']:.1f} ms | {median['p95_ms']:.1f} ms | "
            f"{median['p99_ms']:.1f} ms | {median['rps']:.1f} | {errors} | {writes_text} | "
            f"{_span(page['queries'])} | {_span(page['bytes'], thousands=True)} | "
            f"{statistics.median(page['alone_ms']):.1f} ms | "
            f"{cpu['gunicorn']:.1f}, {cpu['postgres']:.1f}, {cpu['wrk']:.2f} |"
        )
    floor = medians.get("signed-in", {}).get("rps")
    lines += [
        "",
        (
            f"Goal: p95 under {GOAL_P95_MS} ms and no error on each of the four pages"
            + (", with the autosaves in the load" if rate else "")
            + ". For reference, the signed-in floor (session and user, nothing else) "
            + (f"served {floor:.0f} requests/s." if floor else "was not measured.")
        ),
        "",
    ]
    for name in [name for name in names if name not in FLOORS]:
        median = medians[name]
        errors = median["not_200"] + median["socket_errors"]
        passed = median["p95_ms"] < GOAL_P95_MS and not errors
        lines.append(
            f"- {name}: **{'pass' if passed else 'FAIL'}**, p95 {median['p95_ms']:.0f} ms "
            f"against {GOAL_P95_MS} ms, {errors} errors, {median['rps']:.0f} requests/s"
            + (f" ({median['rps'] / floor:.2f} of the signed-in floor)" if floor else "")
        )
    spreads = [
        f"{name} {medians[name]['rps_range'][0]:.0f}..{medians[name]['rps_range'][1]:.0f}/s, "
        f"p95 {medians[name]['p95_range'][0]:.0f}..{medians[name]['p95_range'][1]:.0f} ms"
        for name in names
    ]
    not_200 = [
        f"{name} {medians[name]['not_200']}"
        + (
            f" (and {medians[name]['timeouts']} over {TIMEOUT} s)"
            if medians[name]["timeouts"]
            else ""
        )
        for name in names
    ]
    busy = [f"{name} {medians[name]['machine_busy']:.0%}" for name in names]
    samples = [f"{name} `{pages[name]['sample_url']}`" for name in names]
    machine_text = ", ".join(f"{key} {value}" for key, value in result["machine"].items())
    lines += [
        "",
        "Spread over the rounds (min..max): " + "; ".join(spreads) + ".",
        "",
        "Responses other than 200 during the runs: " + ", ".join(not_200) + ".",
        "Machine CPU busy during the runs (median): " + ", ".join(busy) + ".",
        "",
    ]
    if result.get("writes"):
        total = result["writes"]
        lines += [
            (
                f"Autosaves over the whole load (warm-ups, rounds and drains): {total['sent']} "
                f"sent, {total['ok']} answered 2xx/3xx, {total['errors']} errors "
                f"{total['errors_by_status'] or ''} (status 0: socket error or timeout), "
                f"p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, sent at most "
                f"{total['late_ms_max']:.0f} ms after due. The measured cycle's rows before "
                f"and after: {result['fingerprint']['before']} / "
                f"{result['fingerprint']['after']}. The CPU per request of each page "
                "includes the autosaves' share."
            ),
            "",
        ]
    lines += [
        (
            f"Load average (1, 5, 15 min): before {result['load']['before']}, "
            f"after {result['load']['after']}; before each round: "
            + "; ".join(
                f"{number} {loads}" for number, loads in enumerate(result["load"]["rounds"], 1)
            )
            + ". The machine is shared (other test suites ran on its 2 cores): figures are "
            "noisy."
        ),
        "",
        f"Machine: {machine_text}.",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Sessions: {result.get('sessions', 'database')}.",
        "",
        "Sample URLs: " + "; ".join(samples) + ".",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pms", type=int, required=True, help="PMs bench.generate made")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--seconds", type=int, default=10, help="length of a run (default 10)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up run per page, seconds")
    parser.add_argument("--connections", type=int, default=USERS)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--pages", default=",".join(PAGE_ORDER), help=f"comma-separated, of {PAGE_ORDER}"
    )
    parser.add_argument(
        "--writes-per-second",
        type=float,
        default=WRITES_PER_SECOND,
        help=f"self-assessment autosaves a second (default {WRITES_PER_SECOND}; 0: GET only)",
    )
    parser.add_argument("--label", default="", help="suffix of the report's file name")
    parser.add_argument("--wait-quiet", type=float, default=0, help="wait for load below this")
    parser.add_argument(
        "--check-only", action="store_true", help="checks and query counts, no load"
    )
    options = parser.parse_args(argv)
    selected = [name.strip() for name in options.pages.split(",") if name.strip()]
    unknown = set(selected) - set(PAGE_ORDER)
    if unknown:
        parser.error(f"unknown pages: {sorted(unknown)}")
    if not options.check_only and shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    def say(text: str) -> None:
        print(text, flush=True)

    _django.database_settings()
    cycle = Cycle.objects.filter(name=CYCLE_NAME).first()
    reviews = Review.objects.filter(cycle=cycle).count() if cycle else 0
    if cycle is None or reviews != options.pms:
        raise SystemExit(
            f"This database holds {reviews} PMs, not {options.pms}: run "
            f"`python -m bench.generate --pms {options.pms}` with the same DATABASE_URL."
        )
    if cycle.phase != Phase.CALIBRATION:
        raise SystemExit(f"The cycle is in {cycle.phase}, not calibration: generate it again.")
    if Result.objects.filter(cycle=cycle).count() != reviews:
        from reviews.computation import cycle_compute  # noqa: PLC0415 - Django is set up in main()

        started = time.perf_counter()
        cycle_compute(cycle_id=cycle.pk)
        say(f"computed the results: {time.perf_counter() - started:.1f} s")
    # The benchmark's own cache (BENCH_CACHE_URL) starts empty: bench.generate refills the
    # database with COPY and without this cache, so sessions and explained steps of the
    # company an earlier run measured would still be there.
    cache.clear()
    write_cycle_delete()  # an earlier run's second cycle, had it stopped before its end
    with connection.cursor() as cursor:
        # Fresh statistics for the results, as autovacuum would give them (it is off on
        # the benchmark's server, and bench.generate analyses the tables it fills only).
        cursor.execute(f"VACUUM ANALYZE {Result._meta.db_table}")
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    say(f"collectstatic: {time.perf_counter() - started:.1f} s")

    result = {
        "pms": options.pms,
        "label": options.label,
        "command": "python -m bench.pages " + " ".join(sys.argv[1:] if argv is None else argv),
        "code": code_version(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "runs": options.runs,
        "seconds": options.seconds,
        "warmup_seconds": options.warmup,
        "connections": options.connections,
        "threads": options.threads,
        "workers": options.workers,
        "users": USERS,
        "writes_per_second": options.writes_per_second,
        "machine": machine(),
        "sessions": (
            f"{settings.SESSION_ENGINE}, cache {settings.CACHES['default']['BACKEND']}"
            + (f" at {settings.CACHE_URL}" if settings.CACHE_URL else "")
        ),
    }
    pages, sessions = pages_build(cycle, [name for name in PAGE_ORDER if name in selected])
    writers: list[Writer] = []
    if options.writes_per_second > 0:
        _second, write_reviews = write_cycle_create(cycle)
        write_reviews = list(
            Review.objects.filter(pk__in=[r.pk for r in write_reviews]).select_related(
                "person__user"
            )
        )
        writers = writers_build(write_reviews, sessions)
        result["fingerprint"] = {"before": measured_fingerprint(cycle)}
    suffix = f"-{options.label}" if options.label else ""
    writes: Writes | None = None
    server = Server(
        workers=options.workers, log=RESULTS / f"pages-{options.pms}{suffix}-gunicorn.log"
    )
    try:
        server.start()
        say(f"gunicorn on {server.base}, workers {server.worker_pids()}")
        check_pages(server.base, pages, say)
        if writers:
            writers_check(server.base, writers, say)
        count_queries(pages, say)
        if options.check_only:
            return
        if options.wait_quiet:
            _django.wait_quiet(options.wait_quiet, say, patience=600)
        result["load"] = {"before": [round(value, 2) for value in os.getloadavg()], "rounds": []}
        say(f"load average before the load: {result['load']['before']}")
        if writers:
            writes = Writes(
                server,
                writers,
                options.writes_per_second,
                RESULTS / f"pages-{options.pms}{suffix}-writes.tsv",
            )
            writes.start()
            say(f"autosaves: {options.writes_per_second:g}/s by {len(writers)} PMs")
        run = {
            "connections": options.connections,
            "threads": options.threads,
            "writes": writes,
        }
        for page in pages:
            page.warmup = wrk_run(server, page, seconds=options.warmup, **run)
            say(f"  warm-up {page.name}: {page.warmup['rps']:.1f}/s")
        for number in range(1, options.runs + 1):
            result["load"]["rounds"].append([round(value, 2) for value in os.getloadavg()])
            for page in pages:
                measured = wrk_run(server, page, seconds=options.seconds, **run)
                page.runs.append(measured)
                saved = measured["writes"]
                say(
                    f"  round {number} {page.name:>11}: p50 {measured['p50_ms']:7.1f} ms, "
                    f"p95 {measured['p95_ms']:7.1f} ms, {measured['rps']:7.1f}/s, "
                    f"not 200: {measured['not_200']}, load {measured['load_after']:.2f}"
                    + (
                        f", autosaves {saved['ok']} ok {saved['errors']} errors "
                        f"(p95 {saved['p95_ms']:.0f} ms)"
                        if saved
                        else ""
                    )
                )
        result["load"]["after"] = [round(value, 2) for value in os.getloadavg()]
    finally:
        if writes is not None:
            writes.stop()
        server.stop()
        sessions_delete(sessions)
        if writers:
            connection.close()  # the writer's fork may have left it unusable
            result["fingerprint"]["after"] = measured_fingerprint(cycle)
            write_cycle_delete()
    result["finished"] = datetime.now(UTC).strftime("%H:%M UTC")
    result["pages"] = {
        page.name: {
            "title": page.title,
            "sample_url": page.visits[0].path,
            "urls": len({visit.path for visit in page.visits}),
            "queries": page.queries,
            "bytes": page.sizes,
            "alone_ms": [round(value, 2) for value in page.alone_ms],
            "median": summary(page),
            "warmup": page.warmup,
            "runs": page.runs,
        }
        for page in pages
    }
    if writes is not None:
        result["writes"] = writes.between(0, time.monotonic())
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"pages-{options.pms}{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    text = report(result)
    stem.with_suffix(".md").write_text(text)
    print(text)
    bad = [
        name
        for name, page in result["pages"].items()
        if page["median"]["not_200"] or page["median"]["socket_errors"]
    ]
    if bad:
        raise SystemExit(f"Responses other than 200, or socket errors, during the runs: {bad}")
    if result.get("writes") and result["writes"]["errors"]:
        raise SystemExit(f"Autosaves refused or failed: {result['writes']['errors_by_status']}")
    if writers and result["fingerprint"]["before"] != result["fingerprint"]["after"]:
        raise SystemExit(f"The measured cycle changed under the writes: {result['fingerprint']}")


if __name__ == "__main__":
    main()

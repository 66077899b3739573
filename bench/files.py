"""Time the company-scale files of issue 19 (item 8): the results exports and the imports.

    DJANGO_SETTINGS_MODULE=appraisal.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appraisal_bench \
    .venv/bin/python -m bench.generate --pms 10000
    .venv/bin/python -m bench.files --runs 3 [--before 8ff7031] [--only export-csv,...]

Every figure is taken in a fresh child process (`--child`), so each run pays what one
request pays on a warm worker and its memory is its own: the wall time of the call
(time.perf_counter) and the RSS it adds (peak resident set, /proc/self/status
VmHWM, reset with /proc/self/clear_refs just before the call, minus the resident set then,
VmRSS). The
report gives the median of `--runs` runs and their spread.

What is measured, on the cycle bench.generate made (computed first when it has no results):

- `healthz`: one GET of /healthz/ through Django's test Client: the framework's floor;
- `query-csv`: the reference of the issue: ONE SQL statement reading the rows the export
  shows (result, person, team, leader, calibration) and writing them with csv.writer to
  memory;
- `export-csv`, `export-xlsx`: one GET of the export URL by HR (test Client, the streamed
  body read to the end and dropped, as a socket would);
- `actuals-<rows>`: `reviews.imports.actuals_import` of a CSV of that many (PM, KPI) rows,
  by HR, on the cycle put back into self-assessment (deadlines ahead, self-assessments
  unsubmitted) inside a transaction that is rolled back afterwards, so every run sees the
  same database; the import's own transaction is a savepoint in it;
- `people-update-<rows>`: `appraisal.services.people_import_csv` of that many existing
  people with a new name and title (same e-mail, team and leader), rolled back the same way;
- `people-new-<rows>`: the same with that many new people.

`--before <commit>` runs the same measurements on the code of that commit (the modules
`reviews/exports.py`, `reviews/imports.py` and `appraisal/services.py` read from git and
loaded beside today's), calling the export functions directly, as its view did; the sizes
it runs are smaller where the old code is quadratic (`BEFORE_SIZES`). Reports go to
`bench/results/files-<N>.{md,json}`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bench import _django

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SIZES = {
    "export-csv": [0],
    "export-xlsx": [0],
    "actuals": [2000, 10000, 50000],
    "people-update": [10000],
    "people-new": [1000],
}
# The code before the fix is quadratic in the rows (and 0.5 s per new person): it is
# measured at sizes that finish.
BEFORE_SIZES = {
    "export-csv": [0],
    "export-xlsx": [0],
    "actuals": [2000],
    "people-update": [2000],
    "people-new": [20],
}


def _status_bytes(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    """Reset the process's peak RSS (VmHWM) to its RSS now: the peak a process inherits
    from the one that forked it, or reaches while its inputs are built, is not the call's."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _old_module(commit: str, path: str, name: str, package: str) -> types.ModuleType:
    source = subprocess.run(  # noqa: S603
        ["git", "show", f"{commit}:{path}"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(name)
    module.__package__ = package
    module.__file__ = f"{commit}:{path}"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102
    return module


def _cycle():
    from reviews.models import Cycle  # noqa: PLC0415 - after django.setup()

    return Cycle.objects.order_by("pk").first()


def _hr_user():
    from appraisal.models import Person  # noqa: PLC0415

    return Person.objects.filter(user__groups__name="HR").select_related("user").first().user


def _actuals_csv(cycle, rows: int) -> bytes:
    from reviews.models import Review  # noqa: PLC0415

    keys = list(cycle.kpi_items.order_by("pk").values_list("kpi__key", flat=True))
    people = list(
        Review.objects.filter(cycle=cycle)
        .order_by("pk")
        .values_list("person__employee_id", flat=True)
    )
    pairs = [(pm, key) for pm in people for key in keys][:rows]
    if len(pairs) < rows:
        raise SystemExit(f"the cycle has only {len(pairs)} (PM, KPI) pairs")
    rng = random.Random(rows)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["pm", "kpi", "value", "evidence"])
    for pm, key in pairs:
        writer.writerow([pm, key, f"{rng.uniform(0, 100):.2f}", "bench upload"])
    return text.getvalue().encode()


def _people_csv(rows: int, *, new: bool) -> bytes:
    from appraisal.models import Person  # noqa: PLC0415

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["employee_id", "name", "email", "title", "team", "leader_employee_id"])
    if new:
        team = Person.objects.exclude(team=None).values_list("team__name", flat=True).first()
        for number in range(rows):
            writer.writerow(
                [f"NEW-{number}", f"New Person {number}", f"new{number}@bench.test", "PM", team, ""]
            )
    else:
        people = Person.objects.select_related("user", "team", "leader").order_by("pk")
        people = people.exclude(team=None)[:rows]
        for person in people:
            writer.writerow(
                [
                    person.employee_id,
                    person.name + " (renamed)",
                    person.user.email,
                    "Imported title",
                    person.team.name,
                    person.leader.employee_id if person.leader else "",
                ]
            )
    return text.getvalue().encode()


def _open_self_assessment(cycle) -> None:
    from django.utils import timezone  # noqa: PLC0415

    from reviews.models import Assessment, AssessmentRole, Phase  # noqa: PLC0415

    now = timezone.now()
    cycle.phase = Phase.SELF_ASSESSMENT
    cycle.self_assessment_deadline = now + timedelta(days=10)
    cycle.review_deadline = now + timedelta(days=20)
    cycle.calibration_deadline = now + timedelta(days=30)
    cycle.acknowledgement_deadline = now + timedelta(days=40)
    cycle.save()
    Assessment.objects.filter(review__cycle=cycle, role=AssessmentRole.SELF).update(
        submitted_at=None
    )


def child(kind: str, size: int, before: str | None) -> dict:
    """One measurement in this process; returns its figures."""
    from django.conf import settings  # noqa: PLC0415
    from django.db import connection, transaction  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    cycle = _cycle()
    exports = imports = people = None
    if before:
        exports = _old_module(before, "reviews/exports.py", "reviews.exports_before", "reviews")
        imports = _old_module(before, "reviews/imports.py", "reviews.imports_before", "reviews")
        people = _old_module(
            before, "appraisal/services.py", "appraisal.services_before", "appraisal"
        )
    else:
        from appraisal import services as people  # noqa: PLC0415
        from reviews import imports  # noqa: PLC0415

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host
    client = Client()
    if kind.startswith("export"):
        client.force_login(_hr_user())
    client.get("/healthz/")  # warm: URLs resolved, middleware loaded, connection open

    def run():
        if kind == "healthz":
            assert client.get("/healthz/").status_code == 200
        elif kind == "query-csv":
            _query_csv(connection, cycle.pk)
        elif kind.startswith("export"):
            extension = kind.split("-")[1]
            if before:
                getattr(exports, f"results_{extension}")(cycle)
            else:
                response = client.get(
                    reverse("reviews:cycle_results_export", args=[cycle.pk, extension])
                )
                assert response.status_code == 200, response.status_code
                for _chunk in response.streaming_content:
                    pass
                response.close()
        elif kind == "actuals":
            count = imports.actuals_import(
                cycle=cycle, data=data, filename="bench.csv", leader_id=None
            )
            assert count == size, count
        else:
            summary = people.people_import_csv(data=data, actor_is_admin=True)
            assert len(summary.created) + len(summary.updated) == size

    data = b""
    with transaction.atomic():
        if kind == "actuals":
            _open_self_assessment(cycle)
            data = _actuals_csv(cycle, size)
        elif kind.startswith("people"):
            data = _people_csv(size, new=kind == "people-new")
        _reset_peak()
        rss_before = _status_bytes("VmRSS")
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
        peak = _status_bytes("VmHWM")
        transaction.set_rollback(True)
    return {"seconds": seconds, "rss_added": max(0, peak - rss_before), "rss_peak": peak}


def _query_csv(connection, cycle_id: int) -> None:
    """The issue's reference: one statement reading the same rows, the same CSV written."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.rank, r.team_rank, p.employee_id, p.name, t.name, l.name, r.kpi_score,
                   r.competency_score, v.adjustment, r.final_score, r.grade, c.grade,
                   COALESCE(c.grade, r.grade), c.reason, r.bonus_multiplier, r.flags
            FROM reviews_result r
            JOIN reviews_review v ON v.id = r.review_id
            JOIN appraisal_person p ON p.id = v.person_id
            JOIN appraisal_team t ON t.id = v.team_id
            JOIN appraisal_person l ON l.id = v.leader_id
            LEFT JOIN reviews_calibration c ON c.review_id = v.id
            WHERE r.cycle_id = %s
            ORDER BY r.position, r.id
            """,
            [cycle_id],
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in cursor.fetchall():
            writer.writerow(["" if cell is None else cell for cell in row])


def _child_run(kind: str, size: int, before: str | None) -> dict:
    command = [sys.executable, "-m", "bench.files", "--child", kind, "--size", str(size)]
    if before:
        command += ["--before", before]
    output = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(output.stdout.strip().splitlines()[-1])


def _label(kind: str, size: int) -> str:
    return kind if not size else f"{kind}-{size}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="a commit whose code is measured instead")
    parser.add_argument("--only", default="", help="comma-separated kinds (actuals,...)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    _django.setup()
    _django.database_settings()
    if options.child:
        print(json.dumps(child(options.child, options.size, options.before)))
        return

    from reviews.models import Result  # noqa: PLC0415

    cycle = _cycle()
    if not Result.objects.filter(cycle=cycle).exists():
        from reviews.computation import cycle_compute  # noqa: PLC0415

        cycle_compute(cycle_id=cycle.pk)
    pms = cycle.reviews.count()
    sizes = BEFORE_SIZES if options.before else SIZES
    wanted = [kind for kind in options.only.split(",") if kind]
    plan = [("healthz", 0), ("query-csv", 0)] + [
        (kind, size)
        for kind, kind_sizes in sizes.items()
        if not wanted or kind in wanted
        for size in kind_sizes
    ]
    label = f"files-{pms}" + ("-before" if options.before else "")
    path = RESULTS_DIR / f"{label}.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for kind, size in plan:
        runs = []
        for _number in range(options.runs):
            runs.append(_child_run(kind, size, options.before))
            print(
                f"{_label(kind, size)}: {runs[-1]['seconds']:.3f} s, "
                f"+{runs[-1]['rss_added'] / 2**20:.0f} MiB, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        figures[_label(kind, size)] = {
            "runs": runs,
            "seconds": statistics.median(run["seconds"] for run in runs),
            "rss_added_mib": statistics.median(run["rss_added"] for run in runs) / 2**20,
            "measured": started,
            "load": os.getloadavg()[0],
            "code": options.before or "tree",
        }
    RESULTS_DIR.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, indent=1))
    lines = [
        f"# Files at {pms} PMs ({'before: ' + options.before if options.before else 'tree'})",
        "",
        "| what | median | spread | RSS added (median) | measured | load |",
        "|---|---:|---|---:|---|---:|",
    ]
    for name, figure in figures.items():
        times = sorted(run["seconds"] for run in figure["runs"])
        lines.append(
            f"| {name} | {figure['seconds']:.3f} s | {times[0]:.3f} to {times[-1]:.3f} s "
            f"| {figure['rss_added_mib']:.0f} MiB | {figure['measured']} | {figure['load']:.1f} |"
        )
    (RESULTS_DIR / f"{label}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

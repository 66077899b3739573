"""Fill a PostgreSQL database with a company of N product managers and one cycle to compute.

    DJANGO_SETTINGS_MODULE=appraisal.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appraisal_bench \
    .venv/bin/python -m bench.generate --pms 2000

What it builds (deterministic for a given --seed):

- product teams of 5 to 8 PMs (`is_reviewed_pm`), each with a leader (a group PM, not
  reviewed) who reports to a director (one per ~10 teams), who reports to a CPO;
- cross-functional teams (design, engineering, data, QA, operations) of 8 people, about
  0.6 person per PM, who act as peers;
- one HR person, who created the cycle;
- a scorecard template of `--kpis` KPIs (default 8) and `--competencies` competencies
  (default 20), weights summing to 100, valid thresholds, made with
  `kpis.services.template_create` (so the product's own validation accepts it) and frozen
  into the cycle with the product's `_freeze_scorecard`; the cycle is in calibration;
- per PM: a review, one actual per KPI (70 % verified, 2 % excused with a reason, 1 % not
  reported), 5 peer requests (2 PMs of other product teams, 3 cross-functional people),
  and 7 submitted assessments (self, leader, 5 peers) rating every competency (about 3 %
  of peer ratings and 0.5 % of the others "not observed"); 5 % of reviews carry a leader
  adjustment with a reason.

With the defaults that is N x 7 x 20 ratings: 280,000 at N = 2,000, as issue 5 says
("20 scorecard items ... about 280,000 ratings"; the ratings count only works out if the
20 rated items are competencies, so the KPIs come on top).

Every run starts clean: it creates the database when missing, migrates, and truncates every
table of the project before loading. Rows go in with COPY, with explicit ids (sequences are
reset afterwards), inside one transaction; then the tables are VACUUM ANALYZEd.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench import _django

_django.setup()

import psycopg2  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from appraisal.models import Person, Team, TeamFunction  # noqa: E402
from kpis.models import Competency, Kpi, KpiCategory, Unit  # noqa: E402
from kpis.services import template_create  # noqa: E402
from reviews.models import (  # noqa: E402
    Assessment,
    AssessmentRole,
    Cycle,
    CycleCompetency,
    CycleKpi,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    PeriodKind,
    Phase,
    Rating,
    Review,
)
from reviews.services.cycles import _freeze_scorecard  # noqa: E402

CYCLE_NAME = "Bench H1 2025"
PEERS_PER_PM = 5
PM_PEERS = 2  # of the 5 peers, how many are PMs of other product teams
CROSS_FUNCTIONAL_PER_PM = 0.6
CROSS_FUNCTIONAL_TEAM_SIZE = 8
TEAMS_PER_DIRECTOR = 10
CROSS_FUNCTIONS = [
    TeamFunction.DESIGN,
    TeamFunction.ENGINEERING,
    TeamFunction.DATA,
    TeamFunction.QA,
    TeamFunction.OPERATIONS,
]
# Tables the reset leaves alone: Django's own bookkeeping, filled by migrate.
KEEP_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


# --------------------------------------------------------------------------- database


def database_ensure() -> None:
    """Create the database named by DATABASE_URL when it does not exist."""
    database = _django.database_settings()
    params = {
        "dbname": "postgres",
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    admin = psycopg2.connect(**{key: value for key, value in params.items() if value})
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database["NAME"]}"')
                print(f"created database {database['NAME']}")
    finally:
        admin.close()


def database_reset() -> None:
    """Migrate, then empty every project table (ids restart at 1)."""
    call_command("migrate", interactive=False, verbosity=0)
    tables = sorted(
        set(connection.introspection.django_table_names(only_existing=True)) - KEEP_TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                ", ".join(connection.ops.quote_name(table) for table in tables)
            )
        )


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date | Decimal | int):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """COPY rows (tuples in the order of `fields`, model field names) into the model's table."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    buffer = io.StringIO()
    count = 0
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(_copy_value(value) for value in row))
            buffer.write("\n")
            count += 1
            if count % 200_000 == 0:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
    return count


def sequences_reset(model_list: Sequence[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(statement)


# --------------------------------------------------------------------------- scorecard


def _even_weights(count: int) -> list[int]:
    """Whole weights summing to 100, as even as possible (8 → 13,13,13,13,12,12,12,12)."""
    base, extra = divmod(100, count)
    return [base + 1 if index < extra else base for index in range(count)]


def scorecard_template_create(*, kpi_count: int, competency_count: int):
    kpis = []
    for index in range(kpi_count):
        is_higher = index % 3 != 2  # two in three higher-is-better, the rest lower
        kpis.append(
            Kpi(
                key=f"bench-kpi-{index + 1:02d}",
                name=f"Bench KPI {index + 1}",
                category=list(KpiCategory)[index % len(KpiCategory)],
                unit=Unit.PERCENT if is_higher else Unit.DAYS,
                direction="higher" if is_higher else "lower",
                definition=f"Benchmark KPI number {index + 1}.",
            )
        )
    Kpi.objects.bulk_create(kpis)
    Competency.objects.bulk_create(
        Competency(
            key=f"bench-competency-{index + 1:02d}",
            name=f"Bench competency {index + 1}",
            description=f"Benchmark competency number {index + 1}.",
            anchors={"1": "Rarely", "3": "Usually", "5": "Always, and lifts others"},
        )
        for index in range(competency_count)
    )
    kpi_items = []
    for index, (kpi, weight) in enumerate(zip(kpis, _even_weights(kpi_count), strict=True)):
        scale = 10 ** (index % 3)  # thresholds of different magnitudes
        if kpi.direction == "higher":
            marks = {"threshold": 80 * scale, "target": 100 * scale, "stretch": 120 * scale}
        else:
            marks = {"threshold": 10 * scale, "target": 5 * scale, "stretch": 2 * scale}
        if index % 4 == 3:
            marks["stretch"] = None  # some KPIs have no stretch
        kpi_items.append({"key": kpi.key, **marks, "weight": weight})
    data = {
        "key": "bench",
        "name": "Benchmark scorecard",
        "scale": {"lo": 1, "hi": 5},
        "section_weights": {"kpi": 60, "competency": 40},
        "source_weights": {"self": 20, "leader": 50, "peer": 30},
        "min_peer_responses": 3,
        "stretch_cap": 120,
        "max_adjustment": 10,
        "grading": {"mode": "bands", "bands": {"S": 90, "A": 80, "B": 65, "C": 50, "D": 0}},
        "bonus_multipliers": {"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.6, "D": 0},
        "kpis": kpi_items,
        "competencies": [
            {"key": f"bench-competency-{index + 1:02d}", "weight": weight}
            for index, weight in enumerate(_even_weights(competency_count))
        ],
    }
    return template_create(data=data)


# --------------------------------------------------------------------------- organisation


def team_sizes(pm_count: int, rng: random.Random) -> list[int]:
    """Sizes of 5 to 8 summing to pm_count (any pm_count of 10 or more; fewer: one team)."""
    if pm_count < 10:
        return [pm_count]
    sizes = []
    remaining = pm_count
    while remaining > 16:
        size = rng.randint(5, 8)
        if remaining - size == 9:  # 9 cannot be split into teams of 5 to 8
            size += 1 if size < 8 else -1
        sizes.append(size)
        remaining -= size
    if remaining <= 8:
        sizes.append(remaining)
    else:
        sizes += [remaining // 2, remaining - remaining // 2]
    return sizes


class Ids:
    """Explicit ids for COPY, one counter per table."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


def generate(*, pm_count: int, kpi_count: int, competency_count: int, seed: int) -> dict:
    rng = random.Random(seed)
    ids = Ids()
    now = datetime(2025, 7, 20, 9, 0, tzinfo=UTC)
    password = make_password("bench-password-not-secret")  # hashed once, shared by all

    users: list[tuple] = []
    people: list[tuple] = []
    teams: list[tuple] = []

    def person_add(*, team_id, leader_id, title, is_pm, label) -> int:
        user_id = ids.take("user")
        person_id = ids.take("person")
        username = f"{label}{person_id:06d}"
        users.append(
            (user_id, password, False, username, label.title(), f"{person_id:06d}",
             f"{username}@bench.example.com", False, True, now)
        )  # fmt: skip
        people.append(
            (person_id, user_id, f"E{person_id:06d}", f"{label.title()} {person_id:06d}",
             title, team_id, leader_id, is_pm)
        )  # fmt: skip
        return person_id

    def team_add(name, function) -> int:
        team_id = ids.take("team")
        teams.append((team_id, name, function))
        return team_id

    leadership = team_add("Product leadership", TeamFunction.PRODUCT)
    people_team = team_add("People", TeamFunction.PEOPLE)
    cpo = person_add(
        team_id=leadership, leader_id=None, title="Chief product officer", is_pm=False, label="cpo"
    )
    hr = person_add(
        team_id=people_team, leader_id=None, title="HR business partner", is_pm=False, label="hr"
    )

    sizes = team_sizes(pm_count, rng)
    directors = [
        person_add(team_id=leadership, leader_id=cpo, title="Director", is_pm=False, label="dir")
        for _ in range(math.ceil(len(sizes) / TEAMS_PER_DIRECTOR))
    ]
    product_teams = []  # (team_id, leader_id, [pm ids])
    for number, size in enumerate(sizes, start=1):
        team_id = team_add(f"Product team {number:04d}", TeamFunction.PRODUCT)
        leader = person_add(
            team_id=team_id,
            leader_id=directors[(number - 1) // TEAMS_PER_DIRECTOR],
            title="Group product manager",
            is_pm=False,
            label="lead",
        )
        pms = [
            person_add(
                team_id=team_id, leader_id=leader, title="Product manager", is_pm=True, label="pm"
            )
            for _ in range(size)
        ]
        product_teams.append((team_id, leader, pms))
    cross_functional = []
    cross_count = math.ceil(pm_count * CROSS_FUNCTIONAL_PER_PM)
    for number in range(math.ceil(cross_count / CROSS_FUNCTIONAL_TEAM_SIZE)):
        function = CROSS_FUNCTIONS[number % len(CROSS_FUNCTIONS)]
        team_id = team_add(f"{function.label} team {number + 1:04d}", function)
        team_lead = None
        for _ in range(CROSS_FUNCTIONAL_TEAM_SIZE):
            member = person_add(
                team_id=team_id,
                leader_id=team_lead,
                title=f"{function.label} specialist",
                is_pm=False,
                label=function.value[:4],
            )
            team_lead = team_lead or member
            cross_functional.append(member)

    # --- the cycle and its frozen scorecard (ORM: a handful of rows)
    copy_rows(
        User,
        ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined"],
        users,
    )  # fmt: skip
    copy_rows(Team, ["id", "name", "function"], teams)
    copy_rows(
        Person,
        ["id", "user", "employee_id", "name", "title", "team", "leader", "is_reviewed_pm"],
        people,
    )
    sequences_reset([User, Team, Person])
    Group.objects.get_or_create(name="HR")[0].user_set.add(Person.objects.get(pk=hr).user_id)
    template = scorecard_template_create(kpi_count=kpi_count, competency_count=competency_count)
    cycle = Cycle.objects.create(
        name=CYCLE_NAME,
        period_kind=PeriodKind.HALF,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 6, 30),
        template=template,
        phase=Phase.CALIBRATION,
        self_assessment_deadline=datetime(2025, 7, 7, 18, tzinfo=UTC),
        review_deadline=datetime(2025, 7, 18, 18, tzinfo=UTC),
        calibration_deadline=datetime(2025, 7, 28, 18, tzinfo=UTC),
        acknowledgement_deadline=datetime(2025, 8, 8, 18, tzinfo=UTC),
        opened_at=datetime(2025, 7, 1, 9, tzinfo=UTC),
        created_by_id=hr,
    )
    _freeze_scorecard(cycle)  # the product's own freeze: settings JSON and item rows
    cycle.save(update_fields=["scorecard"])
    kpi_items = list(CycleKpi.objects.filter(cycle=cycle).order_by("position"))
    competency_ids = list(
        CycleCompetency.objects.filter(cycle=cycle)
        .order_by("position")
        .values_list("pk", flat=True)
    )

    # --- reviews, actuals, peer requests, assessments, ratings
    all_pms = [pm for _, _, pms in product_teams for pm in pms]
    team_of = {pm: index for index, (_, _, pms) in enumerate(product_teams) for pm in pms}
    reviews, actuals, requests, assessments, ratings = [], [], [], [], []
    for team_id, leader, pms in product_teams:
        for pm in pms:
            review_id = ids.take("review")
            if rng.random() < 0.05:
                adjustment = Decimal(rng.choice([-5, -3, -2, 2, 3, 5]))
                reason = "Context the scorecard does not capture (bench)."
            else:
                adjustment, reason = Decimal(0), ""
            reviews.append((review_id, cycle.pk, pm, leader, team_id, adjustment, reason, 0))
            for item in kpi_items:
                actuals.append(_actual_row(ids.take("actual"), review_id, item, leader, now, rng))
            peers = []
            while len(peers) < PM_PEERS:
                peer = rng.choice(all_pms)
                if team_of[peer] != team_of[pm] and peer not in peers:
                    peers.append(peer)
            peers += rng.sample(cross_functional, PEERS_PER_PM - PM_PEERS)
            for peer in peers:
                requests.append(
                    (ids.take("request"), review_id, peer, PeerRequestStatus.SUBMITTED, pm, hr,
                     "", now - timedelta(days=20))
                )  # fmt: skip
            quality = rng.gauss(3.4, 0.6)  # how good this PM is, on the 1..5 scale
            raters = [
                (pm, AssessmentRole.SELF, 0.4, 0.005),
                (leader, AssessmentRole.LEADER, 0, 0.005),
            ]
            raters += [(peer, AssessmentRole.PEER, 0, 0.03) for peer in peers]
            for assessor, role, bias, not_observed in raters:
                assessment_id = ids.take("assessment")
                submitted = now - timedelta(hours=rng.randint(24, 400))
                assessments.append(
                    (assessment_id, review_id, assessor, role,
                     "Drives discovery with clear problem statements.",
                     "Could delegate more of the delivery follow-up.",
                     "Time with the data team.", "", submitted, 1, submitted)
                )  # fmt: skip
                rater_bias = bias + rng.gauss(0, 0.3)
                for competency_id in competency_ids:
                    if rng.random() < not_observed:
                        value = None
                    else:
                        value = min(5, max(1, round(quality + rater_bias + rng.gauss(0, 0.6))))
                    ratings.append((ids.take("rating"), assessment_id, competency_id, value))

    copy_rows(
        Review,
        ["id", "cycle", "person", "leader", "team", "adjustment", "adjustment_reason", "version"],
        reviews,
    )
    copy_rows(
        KpiActual,
        ["id", "review", "item", "reported_value", "evidence", "verified_value", "verified_by",
         "verified_at", "excused_reason", "version"],
        actuals,
    )  # fmt: skip
    copy_rows(
        PeerRequest,
        ["id", "review", "peer", "status", "nominated_by", "approved_by", "decline_reason",
         "created_at"],
        requests,
    )  # fmt: skip
    copy_rows(
        Assessment,
        ["id", "review", "assessor", "role", "strengths", "gaps", "support_needed", "comment",
         "submitted_at", "version", "updated_at"],
        assessments,
    )  # fmt: skip
    copy_rows(Rating, ["id", "assessment", "competency", "value"], ratings)
    sequences_reset([Review, KpiActual, PeerRequest, Assessment, Rating])
    return {
        "cycle_id": cycle.pk,
        "people": len(people),
        "teams": len(teams),
        "product_teams": len(product_teams),
        "team_sizes": f"{min(sizes)}..{max(sizes)}",
        "reviews": len(reviews),
        "kpi_actuals": len(actuals),
        "peer_requests": len(requests),
        "assessments": len(assessments),
        "ratings": len(ratings),
        "scorecard": f"{kpi_count} KPIs + {competency_count} competencies",
    }


def _actual_row(actual_id, review_id, item, leader, now, rng) -> tuple:
    draw = rng.random()
    if draw < 0.02:
        return (actual_id, review_id, item.pk, None, "", None, None, None,
                "Market closed for the quarter (bench).", 1)  # fmt: skip
    if draw < 0.03:
        return (actual_id, review_id, item.pk, None, "", None, None, None, "", 0)
    # progress u around 0.9 (a little under target on average), spread both ways
    progress = Decimal(str(round(rng.gauss(0.9, 0.45), 4)))
    reported = (item.threshold + (item.target - item.threshold) * progress).quantize(
        Decimal("0.0001")
    )
    if rng.random() < 0.7:
        verified = (
            reported
            if rng.random() < 0.9
            else (reported * Decimal("0.97")).quantize(Decimal("0.0001"))
        )
        return (actual_id, review_id, item.pk, reported, "Dashboard export, June.", verified,
                leader, now - timedelta(days=3), "", 2)  # fmt: skip
    return (actual_id, review_id, item.pk, reported, "Dashboard export, June.", None, None,
            None, "", 1)  # fmt: skip


def vacuum_analyze() -> None:
    """Fresh statistics and visibility maps, as a database that has lived a while has."""
    with connection.cursor() as cursor:
        for model in (User, Person, Team, Review, KpiActual, PeerRequest, Assessment, Rating):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pms", type=int, required=True, help="how many PMs are reviewed")
    parser.add_argument("--kpis", type=int, default=8, help="KPIs on the scorecard (default 8)")
    parser.add_argument(
        "--competencies", type=int, default=20, help="competencies on the scorecard (default 20)"
    )
    parser.add_argument("--seed", type=int, default=2025)
    options = parser.parse_args(argv)

    started = time.perf_counter()
    database_ensure()
    database_reset()
    reset_seconds = time.perf_counter() - started
    with transaction.atomic():
        summary = generate(
            pm_count=options.pms,
            kpi_count=options.kpis,
            competency_count=options.competencies,
            seed=options.seed,
        )
    load_seconds = time.perf_counter() - started - reset_seconds
    vacuum_analyze()
    total = time.perf_counter() - started
    for key, value in summary.items():
        print(f"{key:>14}: {value:,}" if isinstance(value, int) else f"{key:>14}: {value}")
    print(
        f"{'seconds':>14}: {total:.1f} (migrate and reset {reset_seconds:.1f}, "
        f"load {load_seconds:.1f}, vacuum analyze {total - reset_seconds - load_seconds:.1f})"
    )


if __name__ == "__main__":
    main()

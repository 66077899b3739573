"""Hostile input on every URL (issue 19, items 1 and 2): as the role allowed to use it and
in the phase where it may, each field of each action is posted with values a careless or
hostile person could send, one at a time, the rest of the form valid and read fresh. No
answer is a server error; a value the field cannot take is refused with a message and
changes nothing in the database. Pages are asked with hostile address parameters.

The URL list comes from the urlconf: a URL with no entry in PROBES, PAGES or NOT_PROBED
fails `test_every_url_has_a_probe`, so a new URL is not forgotten."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from growth.models import DevelopmentPlan
from growth.services import ActionInput, development_plan_save
from kpis.forms import editor_initial
from kpis.models import ScorecardTemplate
from kpis.services import template_dumps, template_to_dict
from reviews import selectors, services
from reviews.computation import cycle_compute
from reviews.models import Assessment, AssessmentRole, KpiActual, Phase
from tests.builders import (
    GROWTH_PMS,
    HR,
    PEERS,
    advance_to,
    build_cycle,
    calibration_company,
    in_review_with_peers,
    people_by_username,
    publish,
    signed_in,
)

pytestmark = pytest.mark.django_db

LONG = "x" * 6000  # longer than any short text's limit (2,000 or 5,000 characters)
HUGE = "x" * (10 * 1024 * 1024)  # a 10 MB value: more than a request may carry
FULL_WIDTH_ONE, SUPERSCRIPT_TWO = "\uff11", "\u00b2"  # digits that int() reads
NOT_NUMBERS = (
    "1e999",
    "9" * 30,
    FULL_WIDTH_ONE,
    SUPERSCRIPT_TWO,
    "abc",
    "NaN",
    "Infinity",
    "1,5",
    LONG,
)
# Values that may be acceptable come last, so a value accepted earlier (the form then
# saved, its version moved on) does not make the refusals after it trivial.
HOSTILE = (*NOT_NUMBERS, "0.001", "-0", "")

# Dates a calendar has, at its ends: converted to UTC they may fall out of it.
EXTREME_DATES = ("0001-01-01T00:00", "0001-01-01", "9999-12-31T23:59", "9999-12-31")
# What each kind of field must refuse (any other hostile value: anything but a 500).
REFUSES = {
    "number2": {*NOT_NUMBERS, "0.001"},  # a column of 2 decimals: 0.001 is not rounded to 0
    "number4": set(NOT_NUMBERS),  # a column of 4 decimals
    "whole": {*NOT_NUMBERS, "0.001"},  # a version, an id
    "rating": {*NOT_NUMBERS, "0.001", "-0"},
    "choice": {*NOT_NUMBERS, "0.001", "-0"},
    "date": {*NOT_NUMBERS, "0.001", "-0"},
    "text": {LONG},  # a short text
    "free": set(),  # a long text, or a box to tick: anything goes
}

# --- the worlds the probes post into ----------------------------------------------------------


def _cycle(people, phase):
    return build_cycle(actor=people[HR], pms=[people[name] for name in GROWTH_PMS], phase=phase)


def world_draft(people) -> dict:
    cycle = _cycle(people, Phase.DRAFT)
    return {"cycle": cycle, "review": cycle.reviews.get(person=people["chen.lin"])}


def world_self(people) -> dict:
    cycle = _cycle(people, Phase.SELF_ASSESSMENT)
    return {"cycle": cycle, "review": cycle.reviews.get(person=people["chen.lin"])}


def world_review(people) -> dict:
    world = world_self(people)
    in_review_with_peers(world["review"], people)
    world["review"].refresh_from_db()
    world["cycle"] = world["review"].cycle
    world["peer_request"] = world["review"].peer_requests.get(peer=people["luo.xin"])
    return world


def world_calibration(people) -> dict:
    cycle, _leader, reviews, _hr = calibration_company()
    return {"cycle": cycle, "review": reviews[0]}


def world_published(people) -> dict:
    world = world_calibration(people)
    world["cycle"] = publish(world["cycle"], world["review"].cycle.created_by)
    return world


def world_carried(people) -> dict:
    """A plan written in a published cycle, carried into the next one's self-assessment."""
    world = world_review(people)
    due = timezone.localdate() + timedelta(days=60)
    plan = development_plan_save(
        review=world["review"],
        actor=people["zhou.min"],
        version=0,
        actions=[ActionInput("Pair with analytics.", people["chen.lin"].pk, due)],
    )
    cycle = advance_to(world["cycle"], Phase.CALIBRATION, actor=people[HR])
    cycle_compute(cycle_id=cycle.pk)
    advance_to(cycle, Phase.PUBLISHED, actor=people[HR])
    today = timezone.localdate()
    following = build_cycle(
        actor=people[HR],
        pms=[people["chen.lin"]],
        name="Next",
        period=(today + timedelta(days=31), today + timedelta(days=120)),
        phase=Phase.SELF_ASSESSMENT,
    )
    return {"review": following.reviews.get(person=people["chen.lin"]), "plan": plan}


def world_template(people) -> dict:
    return {"template": ScorecardTemplate.objects.get(key="tob_saas")}


# --- what each action posts, valid, read from the database as it is now ----------------------


def _assessment(review, person, role) -> Assessment:
    return services.assessment_get_or_create(review=review, assessor=person, role=role)


def _first(queryset):
    return queryset.order_by("position", "pk").first()


def every_rating(review) -> dict:
    """A rating of 4 for each competency, the first first (the one the probes make hostile)."""
    items = review.cycle.competency_items.order_by("position", "pk")
    return {f"rating-{item.pk}": "4" for item in items}


def self_data(world, people) -> dict:
    review = world["review"]
    kpi = _first(review.cycle.kpi_items)
    return {
        "version": _assessment(review, people["chen.lin"], AssessmentRole.SELF).version,
        **every_rating(review),
        f"actual-{kpi.pk}": "12.5",
        f"evidence-{kpi.pk}": "dashboard",
        "strengths": "focus",
    }


def leader_data(world, people) -> dict:
    review = world["review"]
    review.refresh_from_db()
    kpi = _first(review.cycle.kpi_items)
    actual = KpiActual.objects.filter(review=review, item=kpi).first()
    return {
        "version": _assessment(review, people["zhou.min"], AssessmentRole.LEADER).version,
        "review_version": review.version,
        "adjustment": "1.5",
        "adjustment_reason": "a good quarter",
        f"verify-{kpi.pk}": "correct",
        f"corrected-{kpi.pk}": "14",
        f"actual_version-{kpi.pk}": actual.version if actual else 0,
        f"excuse-{kpi.pk}": "",
        **every_rating(review),
        "comment": "steady",
        "confirm_unverified": "on",
    }


def peer_data(world, people) -> dict:
    request = world["peer_request"]
    assessment = Assessment.objects.filter(review=request.review, assessor=people["luo.xin"])
    return {
        "version": assessment.first().version if assessment.exists() else 0,
        **every_rating(request.review),
        "comment": "helpful",
    }


def template_data(world, people) -> dict:
    """The template editor's form as its page posts it, for the ToB SaaS template."""
    initial = editor_initial(template_to_dict(world["template"]))
    data = {f"settings-{name}": value for name, value in initial["settings"].items()}
    data["settings-is_team_rank_shown_to_pms"] = ""
    data["settings-version"] = world["template"].version
    for prefix, rows in (
        ("grades", initial["grades"]),
        ("kpis", initial["kpis"]),
        ("competencies", initial["competencies"]),
    ):
        data |= {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows)}
        for index, row in enumerate(rows):
            data |= {
                f"{prefix}-{index}-{name}": "" if value is None else value
                for name, value in row.items()
                if name != "key"
            }
    return {key: str(value) for key, value in data.items()}


def cycle_data(world, people) -> dict:
    now = timezone.now()
    return {
        "name": "Hostile",
        "period_kind": "quarter",
        "period_start": str(now.date()),
        "period_end": str(now.date() + timedelta(days=80)),
        "template": ScorecardTemplate.objects.get(key="tob_saas").pk,
        **{
            f"{name}_deadline": (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
            for name, days in (
                ("self_assessment", 10),
                ("review", 20),
                ("calibration", 30),
                ("acknowledgement", 40),
            )
        },
    }


def plan_data(world, people) -> dict:
    plan = DevelopmentPlan.objects.filter(review=world["review"]).first()
    return {
        "version": plan.version if plan else 0,
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "Pair with analytics.",
        "actions-0-owner": people["chen.lin"].pk,
        "actions-0-due_on": str(timezone.localdate() + timedelta(days=30)),
    }


def progress_data(world, people) -> dict:
    world["plan"].refresh_from_db()
    action = world["plan"].actions.first()
    prefix = f"progress-{action.pk}"
    return {
        f"{prefix}-version": action.version,
        f"{prefix}-status": "in_progress",
        f"{prefix}-progress_note": "started",
    }


# --- the probes -------------------------------------------------------------------------------


def NO_DATA(world, people) -> dict:  # noqa: N802 - a constant, compared by identity
    return {}


@dataclass
class Probe:
    """An action: who posts, into which world, to which object, its valid form (read fresh
    before each post) and the kind of each field posted hostile (a field name ending in
    "-" is completed with the first matching key of the valid form)."""

    who: str | Callable
    world: Callable
    args: Callable = lambda world: []
    data: Callable = NO_DATA
    fields: dict = field(default_factory=dict)
    query: str = ""


def review_pk(world):
    return [world["review"].pk]


def cycle_pk(world):
    return [world["cycle"].pk]


def template_pk(world):
    return [world["template"].pk]


SELF_FIELDS = {
    "version": "whole",
    "rating-": "rating",
    "actual-": "number4",
    "evidence-": "text",
    "strengths": "text",
}
LEADER_FIELDS = {
    "version": "whole",
    "review_version": "whole",
    "adjustment": "number2",
    "corrected-": "number4",
    "actual_version-": "whole",
    "verify-": "choice",
    "rating-": "rating",
    "adjustment_reason": "text",
    "comment": "text",
}
TEMPLATE_FIELDS = {
    "settings-scale_lo": "whole",
    "settings-kpi_section_weight": "number2",
    "settings-stretch_cap": "number2",
    "settings-min_peer_responses": "whole",
    "settings-grading_mode": "choice",
    "grades-0-min_score": "number2",
    "grades-0-bonus_multiplier": "number2",
    "kpis-0-threshold": "number4",
    "kpis-0-weight": "number2",
    "kpis-0-kpi": "choice",
    "competencies-0-weight": "number2",
    "settings-name": "text",
    "settings-version": "whole",
}

PROBES = {
    "reviews:cycle_create": Probe(
        HR,
        world_template,
        data=cycle_data,
        fields={
            "name": "text",
            "period_kind": "choice",
            "period_start": "date",
            "template": "choice",
            "review_deadline": "date",
        },
    ),
    "reviews:cycle_participants_add": Probe(
        HR,
        world_draft,
        cycle_pk,
        lambda w, p: {"add-people": p["liu.yang"].pk},
        {"add-people": "choice", "add-teams": "choice"},
    ),
    "reviews:cycle_participant_remove": Probe(
        HR, world_draft, lambda w: [w["cycle"].pk, w["review"].pk]
    ),
    "reviews:cycle_open": Probe(HR, world_draft, cycle_pk),
    "reviews:cycle_advance": Probe(
        HR,
        world_self,
        cycle_pk,
        lambda w, p: {"advance-override_blockers": "on"},
        {"advance-override_blockers": "free"},
    ),
    "reviews:cycle_deadline_extend": Probe(
        HR,
        world_self,
        cycle_pk,
        lambda w, p: {
            "extend-phase": "self_assessment",
            "extend-deadline": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "extend-reason": "holidays",
        },
        {"extend-phase": "choice", "extend-deadline": "date", "extend-reason": "text"},
    ),
    "reviews:cycle_assessment_reopen": Probe(
        HR,
        world_calibration,
        cycle_pk,
        lambda w, p: {
            "assessment": Assessment.objects.filter(
                review__cycle=w["cycle"], submitted_at__isnull=False
            )
            .order_by("pk")
            .first()
            .pk,
            "reason": "typo",
            "open_until": "",
        },
        {"assessment": "choice", "reason": "text", "open_until": "date"},
    ),
    "reviews:actuals_upload": Probe(HR, world_self, cycle_pk, fields={"file": "choice"}),
    "reviews:cycle_results_compute": Probe(
        HR,
        world_calibration,
        cycle_pk,
        query=f"team={FULL_WIDTH_ONE}&leader=abc&sort=1e999&page={SUPERSCRIPT_TWO}",
    ),
    "reviews:result_calibrate": Probe(
        HR,
        world_calibration,
        review_pk,
        lambda w, p: {
            "grade": "B",
            "reason": "agreed in calibration",
            "read_grade": selectors.effective_grade(w["review"].result),
        },
        {"grade": "choice", "reason": "text"},
        query="page=abc",
    ),
    "reviews:result_acknowledge": Probe(
        lambda w: w["review"].person.user.username,  # the PM whose result it is
        world_published,
        review_pk,
        lambda w, p: {"comment": "thanks"},
        {"comment": "text"},
    ),
    "reviews:self_assessment_save": Probe(
        "chen.lin", world_self, review_pk, self_data, SELF_FIELDS
    ),
    "reviews:self_assessment_submit": Probe(
        "chen.lin", world_self, review_pk, self_data, SELF_FIELDS
    ),
    "reviews:peers_nominate": Probe(
        "chen.lin",
        world_self,
        review_pk,
        lambda w, p: {"peers": [p[name].pk for name in PEERS[:3]]},
        {"peers": "choice"},
    ),
    "reviews:peers_approve": Probe(
        "zhou.min",
        world_self,
        review_pk,
        lambda w, p: {
            "peers": [p[name].pk for name in PEERS[:3]],
            "read_nominations": ",".join(
                str(pk)
                for pk in w["review"]
                .peer_requests.filter(status="nominated")
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
        },
        {"peers": "choice", "remove": "choice"},
    ),
    "reviews:leader_review_save": Probe(
        "zhou.min", world_review, review_pk, leader_data, LEADER_FIELDS
    ),
    "reviews:leader_review_submit": Probe(
        "zhou.min", world_review, review_pk, leader_data, LEADER_FIELDS
    ),
    "reviews:peer_request_save": Probe(
        "luo.xin",
        world_review,
        lambda w: [w["peer_request"].pk],
        peer_data,
        {"version": "whole", "rating-": "rating", "comment": "text"},
    ),
    "reviews:peer_request_submit": Probe(
        "luo.xin",
        world_review,
        lambda w: [w["peer_request"].pk],
        peer_data,
        {"version": "whole", "rating-": "rating", "comment": "text"},
    ),
    "reviews:peer_request_decline": Probe(
        "luo.xin",
        world_review,
        lambda w: [w["peer_request"].pk],
        lambda w, p: {"reason": "on leave"},
        {"reason": "text"},
    ),
    "growth:plan_save": Probe(
        "zhou.min",
        world_review,
        review_pk,
        plan_data,
        {
            "version": "whole",
            "actions-0-owner": "choice",
            "actions-0-due_on": "date",
            "actions-0-id": "whole",
            "actions-0-what": "text",
        },
    ),
    "growth:progress_record": Probe(
        "chen.lin",
        world_carried,
        lambda w: [w["review"].pk, w["plan"].actions.first().pk],
        progress_data,
        {"progress-": "whole", "progress--status": "choice", "progress--progress_note": "text"},
    ),
    "kpis:template_edit": Probe(
        "pan.yu", world_template, template_pk, template_data, TEMPLATE_FIELDS
    ),
    "kpis:template_preview": Probe(
        "pan.yu",
        world_template,
        template_pk,
        lambda w, p: {
            **template_data(w, p),
            "whatif-scenario": io.BytesIO(b'{"participants": []}'),
        },
        TEMPLATE_FIELDS,
    ),
    "kpis:template_clone": Probe("pan.yu", world_template, template_pk),
    "kpis:template_import": Probe("pan.yu", world_template, fields={"template_file": "choice"}),
    "people_import": Probe(HR, world_template, fields={"csv_file": "choice"}),
}

# Pages whose address takes parameters: each is asked with hostile ones.
PAGES = {
    "reviews:cycle_detail": (HR, world_self, cycle_pk, ("page",)),
    "reviews:cycle_audit": (HR, world_self, cycle_pk, ("page",)),
    "reviews:cycle_results": (HR, world_calibration, cycle_pk, ("team", "leader", "sort", "page")),
    "people_list": (HR, world_template, lambda w: [], ("team", "page")),
    "kpis:kpi_list": (HR, world_template, lambda w: [], ("category",)),
}
FRAGMENTS = {  # asked by htmx: what is not understood is left out, without a message
    "reviews:cycle_results_filter_options": (
        HR,
        world_calibration,
        lambda w: [w["cycle"].pk, "team"],
        ("team",),
    ),
    "reviews:cycle_results_progress": (HR, world_calibration, cycle_pk, ("was",)),
}

# Pages that read nothing but their path (asked with hostile ids below), and Django's own.
NOT_PROBED = {
    "healthz", "home", "my_team", "reviews:cycle_list", "reviews:team_cycle",
    "reviews:actuals_upload_example_csv", "reviews:actuals_upload_example_xlsx",
    "reviews:cycle_results_export", "reviews:result_detail", "reviews:my_results",
    "reviews:team_history", "reviews:self_assessment", "reviews:peers",
    "reviews:leader_review", "reviews:review_audit", "reviews:peer_request",
    "growth:plan", "growth:previous_plan", "kpis:template_list", "kpis:template_export",
    "kpis:competency_list", "kpis:template_import_example", "people_import_example",
    "set_language", "login", "logout", "password_change",
    "password_change_done", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete",
}  # fmt: skip


def url_converters(patterns=None, namespace="") -> dict[str, dict]:
    """Every named URL of the urlconf (Django's admin aside), with its path's converters."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # Django's admin, with its own forms
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= url_converters(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[f"{namespace}{pattern.name}"] = getattr(pattern.pattern, "converters", {})
    return found


def url_names() -> set[str]:
    return set(url_converters())


def test_every_url_has_a_probe():
    probed = set(PROBES) | set(PAGES) | set(FRAGMENTS) | NOT_PROBED
    assert url_names() - probed == set(), "give each new URL a probe in this file"
    assert probed - url_names() == set(), "a probe names a URL that no longer exists"


# --- checks -----------------------------------------------------------------------------------


def snapshot() -> dict:
    """Every row of the project's tables (historical copies aside: they follow the rows).
    An empty draft (version 0) is not a change: opening a page creates it."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("appraisal", "kpis", "reviews", "growth"):
            continue
        if model.__name__.startswith("Historical"):
            continue
        queryset = model.objects.order_by("pk")
        if model is Assessment:
            queryset = queryset.filter(version__gt=0)
        rows[model.__name__] = list(queryset.values())
    return rows


def alerts(response) -> list[str]:
    """The texts of the page's alerts, for a failure to say what the page said."""
    body = response.content.decode(errors="replace")
    return [
        re.sub(r"<[^>]+>|\s+", " ", text).strip()
        for text in re.findall(r'role="alert"[^>]*>(.*?)</(?:div|span)>', body, re.DOTALL)
    ]


def has_message(response) -> bool:
    if response.status_code in (301, 302, 303):
        return any(True for _message in get_messages(response.wsgi_request))
    body = response.content.decode(errors="replace")
    return 'role="alert"' in body or "invalid-feedback" in body


def form_data(data: dict) -> dict:
    """The form as the test client posts it: texts, lists of texts, files as they are."""
    return {
        key: value
        if hasattr(value, "read")
        else [str(item) for item in value]
        if isinstance(value, list)
        else str(value)
        for key, value in data.items()
    }


def _key(data: dict, name: str) -> str:
    """A field name of the probe's table as posted: "rating-" is the form's first rating."""
    if not name.endswith("-") and "--" not in name:
        return name
    head, _dashes, tail = name.partition("--")
    key = next(key for key in data if key.startswith(head.rstrip("-") + "-"))
    return key if not tail else f"{key.rpartition('-')[0]}-{tail}"


@pytest.mark.parametrize("url_name", sorted(PROBES))
def test_hostile_values_are_refused_with_a_message_and_change_nothing(people, url_name):
    probe = PROBES[url_name]
    world = probe.world(people)
    who = probe.who(world) if callable(probe.who) else probe.who
    client = signed_in(people_by_username()[who])
    url = reverse(url_name, args=probe.args(world))
    if probe.query:
        url = f"{url}?{probe.query}"
    failures = []
    # A value of 10 MB first, while the world is as built: refused before any form reads
    # it. (A view reading no form is not asked: only its CSRF check would read the body,
    # and the test client skips that.)
    if probe.fields:
        before = snapshot()
        response = client.post(url, {next(iter(probe.fields)): HUGE})
        if response.status_code != 400 or snapshot() != before or not has_message(response):
            failures.append(f"10 MB: {response.status_code}, not refused with a message")
    for name, kind in probe.fields.items():
        for value in (*HOSTILE, *(EXTREME_DATES if kind == "date" else ())):
            data = form_data(probe.data(world, people))
            key = _key(data, name)
            # A list (of peers) gets the value added; a file is replaced by the text.
            hostile = [*data[key], value] if isinstance(data.get(key), list) else value
            before = snapshot()
            response = client.post(url, {**data, key: hostile})
            shown = value if len(value) < 50 else f"{value[:10]}…"
            if response.status_code >= 500:
                failures.append(f"{key}={shown!r}: {response.status_code}")
            elif value in REFUSES[kind]:
                if snapshot() != before:
                    failures.append(f"{key}={shown!r}: the database changed")
                elif not has_message(response):
                    failures.append(f"{key}={shown!r}: {response.status_code} without a message")
    if client.post(url, {}).status_code >= 500:  # nothing at all
        failures.append("an empty post: a server error")
    assert failures == []


@pytest.mark.parametrize("url_name", sorted(PAGES | FRAGMENTS))
def test_hostile_address_parameters_are_left_out_with_a_message(people, url_name):
    who, world_of, args, parameters = (PAGES | FRAGMENTS)[url_name]
    world = world_of(people)
    client = signed_in(people[who])
    url = reverse(url_name, args=args(world))
    failures = []
    for name in parameters:
        for value in (*NOT_NUMBERS, "0.001", "-0", "\x00", "9" * 5000, str(2**31 - 1), "0"):
            response = client.get(url, {name: value})
            shown = value if len(value) < 50 else f"{value[:10]}…"
            if response.status_code >= 500:
                failures.append(f"{name}={shown!r}: {response.status_code}")
            elif (
                url_name in PAGES
                and value in ("abc", FULL_WIDTH_ONE, "1e999")
                and not has_message(response)
            ):
                failures.append(f"{name}={shown!r}: no message")
    assert failures == []


@pytest.mark.parametrize("url_name", sorted(url_names() - {"set_language", "healthz"}))
def test_an_id_too_large_for_any_row_finds_nothing(people, url_name):
    """Every <int:…> of a path given thirty nines: a 404 (or the sign-in page, or a
    refusal), never a server error from an integer overflowing the database's."""
    converters = url_converters()[url_name]
    kwargs = {
        name: int("9" * 30) if type(converter).__name__ == "IntConverter" else "csv"
        for name, converter in converters.items()
    }
    url = reverse(url_name, kwargs=kwargs)
    client = signed_in(people[HR])

    assert client.get(url).status_code < 500
    assert client.post(url).status_code < 500


# --- the template file, and the scenario of the what-if preview -------------------------------


HOSTILE_TEMPLATES = {
    "a KPI weighing 0": lambda d: d["kpis"][0].update(weight=0),
    "a weight of 1e12": lambda d: d["kpis"][0].update(weight=10**12),
    "a threshold of thirty nines": lambda d: d["kpis"][0].update(threshold=int("9" * 30)),
    "a weight of 0.001": lambda d: d["competencies"][0].update(weight=0.001),
    "a scale up to a million": lambda d: d["scale"].update(hi=10**6),
    "a band of 1e12": lambda d: d["grading"]["bands"].update(S=10**12),
    "a name of 10,000 characters": lambda d: d.update(name="x" * 10_000),
    "a key of 100 characters": lambda d: d.update(key="k" * 100),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEMPLATES))
def test_a_template_file_its_columns_cannot_keep_is_refused(people, case):
    data = json.loads(template_dumps(ScorecardTemplate.objects.get(key="tob_saas")))
    data["key"] = "hostile"
    HOSTILE_TEMPLATES[case](data)
    before = snapshot()

    response = signed_in(people["pan.yu"]).post(
        reverse("kpis:template_import"),
        {"template_file": io.BytesIO(json.dumps(data).encode())},
    )

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"a": ' * 5000 + "1" + "}" * 5000, '{"weight": 1' + "0" * 5000 + "}"],
    ids=["deep list", "deep object", "a number of 5,000 digits"],
)
def test_a_deeply_nested_or_huge_json_file_is_refused_with_a_message(people, text):
    template = ScorecardTemplate.objects.get(key="tob_saas")
    client = signed_in(people["pan.yu"])
    before = snapshot()

    imported = client.post(
        reverse("kpis:template_import"), {"template_file": io.BytesIO(text.encode())}
    )
    previewed = client.post(
        reverse("kpis:template_preview", args=[template.pk]),
        {
            **template_data({"template": template}, people),
            "whatif-scenario": io.BytesIO(text.encode()),
        },
    )

    assert imported.status_code == 400
    assert previewed.status_code == 400
    assert "nests lists or objects" in imported.content.decode() or "characters" in (
        imported.content.decode()
    )
    assert 'role="alert"' in previewed.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "url_name", sorted(name for name, probe in PROBES.items() if probe.data is not NO_DATA)
)
def test_each_probe_posts_a_form_its_action_accepts(people, url_name):
    """The probes above refuse for the hostile value, not because the form around it, the
    person or the phase is wrong: the same form, unchanged, is accepted."""
    probe = PROBES[url_name]
    world = probe.world(people)
    who = probe.who(world) if callable(probe.who) else probe.who
    url = reverse(url_name, args=probe.args(world))
    data = form_data(probe.data(world, people))

    response = signed_in(people_by_username()[who]).post(url, data)

    assert response.status_code in (200, 302), alerts(response)

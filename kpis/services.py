"""Writes to the catalog and the scorecard templates.

Every template write goes through one canonical form, the *template dict*: the settings of
SCORING.md section 7 (scale, section and source weights, minimum peer responses, stretch
cap, maximum adjustment, grading) plus identity, bonus multipliers and the weighted items.
JSON import/export, the browser editor, the what-if preview and the starter templates all
use it, so one validator (`template_problems`) guards them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from . import scenario
from .json_input import JSONRefused, json_document
from .models import (
    Competency,
    GradeRule,
    GradingMode,
    Kpi,
    ScorecardTemplate,
    TemplateCompetency,
    TemplateKpi,
)
from .problems import column_problems, problem_messages

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_GRADES = (
    # grade, band floor, forced quota, bonus multiplier
    ("S", Decimal(90), Decimal(10), Decimal("1.5")),
    ("A", Decimal(80), Decimal(20), Decimal("1.2")),
    ("B", Decimal(65), Decimal(50), Decimal("1.0")),
    ("C", Decimal(50), Decimal(15), Decimal("0.6")),
    ("D", Decimal(0), Decimal(5), Decimal(0)),
)


class TemplateInvalid(Exception):  # noqa: N818 - reads as the domain's word
    """A template that breaks SCORING.md; `problems` names each offending item."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class TemplateConflict(TemplateInvalid):
    """The template was saved by someone else after the editor read it."""


def _load_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """A stored decimal without the column's trailing zeros: 8.0000 → 8, 1.50 → 1.5."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# --- the template dict --------------------------------------------------------------------


def scenario_settings(data: dict) -> dict:
    """The part of a template dict that SCORING.md's scenario format understands."""
    grading = data.get("grading") or {}
    mode = grading.get("mode", GradingMode.BANDS)
    wanted = "quotas" if mode == GradingMode.FORCED else "bands"
    settings = {
        key: data[key]
        for key in scenario.SETTINGS_FIELDS
        if key in data and key not in ("grading", "bonus_multipliers")
    }
    settings["grading"] = {"mode": mode, wanted: grading.get(wanted, {})}
    if "bonus_multipliers" in data:
        settings["bonus_multipliers"] = data["bonus_multipliers"]
    return settings


def template_item_names(data: dict) -> dict[tuple[str, str], str]:
    """Each item of a template dict by its name as the editor shows it (in the active
    language), for messages that name the item: one query per section."""
    kpi_keys = [item.get("key") for item in data.get("kpis", [])]
    competency_keys = [item.get("key") for item in data.get("competencies", [])]
    names = {("kpis", kpi.key): kpi.localized_name for kpi in Kpi.objects.filter(key__in=kpi_keys)}
    names |= {
        ("competencies", competency.key): competency.localized_name
        for competency in Competency.objects.filter(key__in=competency_keys)
    }
    return names


def template_problems(data: dict, *, names: dict | None = None) -> list[str]:
    """Everything wrong with a template dict, one message per problem naming the item by
    its name and saying what to change. `names`: `template_item_names(data)`, when the
    caller has it already."""
    problems: list[str] = []
    if not str(data.get("key") or "").strip():
        problems.append(_("Give the template a key."))
    if not str(data.get("name") or "").strip():
        problems.append(_("Give the template a name."))
    for name in ("key", "name", "name_zh"):
        limit = ScorecardTemplate._meta.get_field(name).max_length
        if len(str(data.get(name) or "")) > limit:
            problems.append(
                _("%(field)s: write at most %(limit)s characters.")
                % {"field": name, "limit": limit}
            )
    kpis = {
        kpi.key: kpi
        for kpi in Kpi.objects.filter(key__in=[i.get("key") for i in data.get("kpis", [])])
    }
    competencies = {
        competency.key: competency
        for competency in Competency.objects.filter(
            key__in=[i.get("key") for i in data.get("competencies", [])]
        )
    }
    if names is None:
        names = {("kpis", key): kpi.localized_name for key, kpi in kpis.items()}
        names |= {
            ("competencies", key): competency.localized_name
            for key, competency in competencies.items()
        }
    items = []
    for index, item in enumerate(data.get("kpis", [])):
        kpi = kpis.get(item.get("key"))
        if kpi is None:
            problems.append(
                _("KPI %(index)s: “%(key)s” is not in the KPI catalog; choose a KPI from it.")
                % {"index": index + 1, "key": item.get("key")}
            )
            continue
        items.append({**item, "direction": kpi.direction})
    for index, item in enumerate(data.get("competencies", [])):
        if item.get("key") not in competencies:
            problems.append(
                _(
                    "Competency %(index)s: “%(key)s” is not in the competency catalog; "
                    "choose a competency from it."
                )
                % {"index": index + 1, "key": item.get("key")}
            )
    for grade, multiplier in (data.get("bonus_multipliers") or {}).items():
        number = _decimal(multiplier)
        if number is None or number < 0:
            problems.append(
                _("Grade %(grade)s: give a bonus multiplier of 0 or more.") % {"grade": grade}
            )
    problems += column_problems(data, names=names)
    if problems:
        return problems
    candidate = {
        **scenario_settings(data),
        "kpis": items,
        "competencies": list(data.get("competencies", [])),
        "participants": [],
    }
    try:
        scenario.parse_scenario(candidate)  # checks every rule of SCORING.md section 1
    except scenario.ScenarioError as error:
        return problem_messages(error.details, names=names)
    return []


def template_to_dict(template: ScorecardTemplate) -> dict:
    """A template as its dict (the JSON export format); items in their order."""
    grades = list(template.grades.all())
    return {
        "key": template.key,
        "name": template.name,
        "name_zh": template.name_zh,
        "description": template.description,
        "description_zh": template.description_zh,
        "scale": {"lo": template.scale_lo, "hi": template.scale_hi},
        "section_weights": {
            "kpi": plain_decimal(template.kpi_section_weight),
            "competency": plain_decimal(template.competency_section_weight),
        },
        "source_weights": {
            "self": plain_decimal(template.self_weight),
            "leader": plain_decimal(template.leader_weight),
            "peer": plain_decimal(template.peer_weight),
        },
        "min_peer_responses": template.min_peer_responses,
        "stretch_cap": plain_decimal(template.stretch_cap),
        "max_adjustment": plain_decimal(template.max_adjustment),
        "grading": {
            "mode": template.grading_mode,
            "bands": {grade.grade: plain_decimal(grade.min_score) for grade in grades},
            "quotas": {grade.grade: plain_decimal(grade.quota) for grade in grades},
        },
        "bonus_multipliers": {
            grade.grade: plain_decimal(grade.bonus_multiplier) for grade in grades
        },
        "kpis": [
            {
                "key": item.kpi.key,
                "threshold": plain_decimal(item.threshold),
                "target": plain_decimal(item.target),
                "stretch": plain_decimal(item.stretch),
                "weight": plain_decimal(item.weight),
            }
            for item in template.kpi_items.all()
        ],
        "competencies": [
            {"key": item.competency.key, "weight": plain_decimal(item.weight)}
            for item in template.competency_items.all()
        ],
    }


def template_dumps(template: ScorecardTemplate) -> str:
    """JSON text of a template, numbers written as JSON numbers without float rounding."""

    def number(value: Any) -> Any:
        if isinstance(value, Decimal):
            normal = value.normalize()
            return int(normal) if normal == normal.to_integral_value() else float(str(normal))
        raise TypeError(type(value))

    return json.dumps(template_to_dict(template), default=number, ensure_ascii=False, indent=2)


# --- writes -------------------------------------------------------------------------------


def _grade_rows(data: dict) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    grading = data.get("grading") or {}
    bands = grading.get("bands") or {}
    quotas = grading.get("quotas") or {}
    multipliers = data.get("bonus_multipliers") or {}
    grades = list(dict.fromkeys([*bands, *quotas])) or [grade[0] for grade in DEFAULT_GRADES]
    defaults = {grade: (floor, quota, bonus) for grade, floor, quota, bonus in DEFAULT_GRADES}
    rows = []
    for grade in grades:
        floor, quota, bonus = defaults.get(grade, (Decimal(0), Decimal(0), Decimal(1)))
        rows.append(
            (
                grade,
                _decimal(bands.get(grade, floor)) or Decimal(0),
                _decimal(quotas.get(grade, quota)) or Decimal(0),
                _decimal(multipliers.get(grade, bonus)) or Decimal(0),
            )
        )
    return rows


def _write_items(template: ScorecardTemplate, data: dict) -> None:
    template.kpi_items.all().delete()
    template.competency_items.all().delete()
    template.grades.all().delete()
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(key__in=[i["key"] for i in data["kpis"]])}
    competencies = {
        competency.key: competency
        for competency in Competency.objects.filter(
            key__in=[i["key"] for i in data["competencies"]]
        )
    }
    bulk_create_with_history(
        [
            TemplateKpi(
                template=template,
                kpi=kpis[item["key"]],
                position=position,
                direction=kpis[item["key"]].direction,
                threshold=_decimal(item["threshold"]),
                target=_decimal(item["target"]),
                stretch=_decimal(item.get("stretch")),
                weight=_decimal(item["weight"]),
            )
            for position, item in enumerate(data["kpis"])
        ],
        TemplateKpi,
    )
    bulk_create_with_history(
        [
            TemplateCompetency(
                template=template,
                competency=competencies[item["key"]],
                position=position,
                weight=_decimal(item["weight"]),
            )
            for position, item in enumerate(data["competencies"])
        ],
        TemplateCompetency,
    )
    bulk_create_with_history(
        [
            GradeRule(
                template=template,
                position=position,
                grade=grade,
                min_score=floor,
                quota=quota,
                bonus_multiplier=bonus,
            )
            for position, (grade, floor, quota, bonus) in enumerate(_grade_rows(data))
        ],
        GradeRule,
    )


def _apply_settings(template: ScorecardTemplate, data: dict) -> None:
    template.key = data["key"]
    template.name = data["name"]
    template.name_zh = data.get("name_zh", "") or ""
    template.description = data.get("description", "") or ""
    template.description_zh = data.get("description_zh", "") or ""
    scale = data.get("scale") or {}
    template.scale_lo = int(scale.get("lo", 1))
    template.scale_hi = int(scale.get("hi", 5))
    sections = data.get("section_weights") or {}
    template.kpi_section_weight = _decimal(sections.get("kpi", 60))
    template.competency_section_weight = _decimal(sections.get("competency", 40))
    sources = data.get("source_weights") or {}
    template.self_weight = _decimal(sources.get("self", 20))
    template.leader_weight = _decimal(sources.get("leader", 50))
    template.peer_weight = _decimal(sources.get("peer", 30))
    template.min_peer_responses = int(data.get("min_peer_responses", 3))
    template.stretch_cap = _decimal(data.get("stretch_cap", 120))
    template.max_adjustment = _decimal(data.get("max_adjustment", 10))
    template.grading_mode = (data.get("grading") or {}).get("mode", GradingMode.BANDS)


@transaction.atomic
def template_create(
    *, data: dict, cloned_from: ScorecardTemplate | None = None
) -> ScorecardTemplate:
    """Create a template from a template dict; raises TemplateInvalid, writing nothing."""
    problems = template_problems(data)
    if ScorecardTemplate.objects.filter(key=data.get("key")).exists():
        problems.insert(
            0, _("A template with the key “%(key)s” already exists.") % {"key": data.get("key")}
        )
    if problems:
        raise TemplateInvalid(problems)
    template = ScorecardTemplate(cloned_from=cloned_from)
    _apply_settings(template, data)
    template.save()
    _write_items(template, data)
    return template


@transaction.atomic
def template_update(
    *, template: ScorecardTemplate, data: dict, version: int | None = None
) -> ScorecardTemplate:
    """Replace a template's settings and items; raises TemplateInvalid, changing nothing,
    and TemplateConflict when it was saved since `version` was read.

    Cycles freeze their own copy of the scorecard when they open, so editing a template
    never changes a cycle already open.
    """
    template = ScorecardTemplate.objects.select_for_update().get(pk=template.pk)
    if version is not None and version != template.version:
        raise TemplateConflict(
            [
                _(
                    "Someone saved this template after you opened it: nothing was saved. "
                    "Reload the page to see their version, then make your changes again."
                )
            ]
        )
    data = {**data, "key": template.key}
    problems = template_problems(data)
    if problems:
        raise TemplateInvalid(problems)
    _apply_settings(template, data)
    template.version += 1
    template.save()
    _write_items(template, data)
    return template


def _unique_key(base: str) -> str:
    base = slugify(base)[:70] or "template"
    taken = set(
        ScorecardTemplate.objects.filter(key__startswith=base).values_list("key", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def template_clone(*, template: ScorecardTemplate) -> ScorecardTemplate:
    """A copy of a template to adapt, named "Copy of …", with a fresh key."""
    data = template_to_dict(template)
    data["key"] = _unique_key(f"{template.key}-copy")
    data["name"] = _("Copy of %(name)s") % {"name": template.name}
    data["name_zh"] = f"{template.name_zh}（副本）" if template.name_zh else ""  # noqa: RUF001
    return template_create(data=data, cloned_from=template)


def template_import_json(*, text: str) -> ScorecardTemplate:
    """Create a template from exported JSON text; raises TemplateInvalid on any problem."""
    try:
        data = json_document(text)
    except JSONRefused as refused:
        raise TemplateInvalid([str(refused)]) from None
    if not isinstance(data, dict):
        raise TemplateInvalid([_("The file must hold one template (a JSON object).")])
    return template_create(data=data)


# --- the catalog --------------------------------------------------------------------------


@dataclass
class CatalogSummary:
    kpis: int = 0
    competencies: int = 0
    templates_created: list[str] = field(default_factory=list)


@transaction.atomic
def catalog_load(*, refresh: bool = False) -> CatalogSummary:
    """Load the shipped KPI catalog, competencies and starter templates (idempotent).

    KPIs and competencies are matched by key and created when missing; with `refresh` the
    shipped text overwrites existing entries. Starter templates are created only when
    missing: an admin's edits to a template are never overwritten.
    """
    summary = CatalogSummary()
    for entry in _load_json("kpis.json"):
        values = {
            k: entry.get(k, "")
            for k in (
                "name",
                "name_zh",
                "category",
                "unit",
                "direction",
                "definition",
                "definition_zh",
                "formula",
            )
        }
        if refresh:
            Kpi.objects.update_or_create(key=entry["key"], defaults=values)
        else:
            Kpi.objects.get_or_create(key=entry["key"], defaults=values)
        summary.kpis += 1
    for entry in _load_json("competencies.json"):
        values = {k: entry.get(k, "") for k in ("name", "name_zh", "description", "description_zh")}
        values["anchors"] = entry.get("anchors", {})
        values["anchors_zh"] = entry.get("anchors_zh", {})
        if refresh:
            Competency.objects.update_or_create(key=entry["key"], defaults=values)
        else:
            Competency.objects.get_or_create(key=entry["key"], defaults=values)
        summary.competencies += 1
    for entry in _load_json("templates.json"):
        if not ScorecardTemplate.objects.filter(key=entry["key"]).exists():
            template_create(data=entry)
            summary.templates_created.append(entry["key"])
    return summary

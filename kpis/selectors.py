"""Reads of the catalog and templates, and the what-if preview (scores, nothing written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from . import scenario, scoring
from .json_input import JSONRefused, json_document
from .models import Competency, Kpi, KpiCategory, ScorecardTemplate, TemplateCompetency, TemplateKpi
from .problems import problem_messages
from .services import scenario_settings, template_item_names, template_problems

KPI_CATEGORIES = KpiCategory.choices


def template_queryset() -> QuerySet[ScorecardTemplate]:
    """Templates with everything the editor and export read, in a fixed number of queries."""
    return ScorecardTemplate.objects.prefetch_related(
        "grades",
        Prefetch("kpi_items", queryset=TemplateKpi.objects.select_related("kpi")),
        Prefetch(
            "competency_items", queryset=TemplateCompetency.objects.select_related("competency")
        ),
    )


def template_list() -> QuerySet[ScorecardTemplate]:
    return ScorecardTemplate.objects.select_related("cloned_from").annotate(
        kpi_count=Count("kpi_items", distinct=True),
        competency_count=Count("competency_items", distinct=True),
    )


def kpi_list(*, category: str = "") -> QuerySet[Kpi]:
    kpis = Kpi.objects.filter(is_active=True)
    if category:
        kpis = kpis.filter(category=category)
    return kpis.order_by("category", "name")


def competency_list() -> QuerySet[Competency]:
    return Competency.objects.filter(is_active=True).order_by("name")


@dataclass
class PreviewRow:
    id: str
    team: str
    saved: scoring.ParticipantResult | None
    edited: scoring.ParticipantResult

    @property
    def change(self) -> Decimal | None:
        if self.saved is None or self.saved.final_score is None or self.edited.final_score is None:
            return None
        return self.edited.final_score - self.saved.final_score


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    has_saved: bool = True


def template_preview(*, edited: dict, saved: dict, scenario_bytes: bytes) -> Preview:
    """Score a scenario's participants against the edited template and the saved one.

    Nothing is written. Problems (an invalid template, a bad scenario) come back as
    messages, one per problem.
    """

    names = template_item_names(edited)
    problems = template_problems(edited, names=names)
    if problems:
        return Preview(problems=problems)
    try:
        document = json_document(scenario_bytes.decode("utf-8"), parse_int=Decimal)
    except UnicodeDecodeError as error:
        return Preview(problems=[_("The scenario is not valid JSON: %(error)s") % {"error": error}])
    except JSONRefused as refused:
        return Preview(problems=[str(refused)])
    if not isinstance(document, dict) or not isinstance(document.get("participants"), list):
        return Preview(
            problems=[_("The scenario must be a JSON object with a list of participants.")]
        )

    def participants_for(template_data: dict):
        directions = dict(
            Kpi.objects.filter(key__in=[i["key"] for i in template_data["kpis"]]).values_list(
                "key", "direction"
            )
        )
        candidate = {
            **scenario_settings(template_data),
            "kpis": [
                {**item, "direction": directions[item["key"]]} for item in template_data["kpis"]
            ],
            "competencies": template_data["competencies"],
            "participants": document["participants"],
        }
        parsed = scenario.parse_scenario(candidate)
        return parsed.scorecard, parsed.participants

    try:
        edited_card, participants = participants_for(edited)
    except scenario.ScenarioError as error:
        return Preview(problems=problem_messages(error.details, names=names))
    edited_results = scoring.score_cycle(edited_card, participants)
    try:
        saved_card, saved_participants = participants_for(saved)
        saved_results = scoring.score_cycle(saved_card, saved_participants)
    except scenario.ScenarioError:
        saved_results = None  # the scenario names items the saved template does not have
    rows = [
        PreviewRow(
            id=str(result.id),
            team=result.team or "",
            saved=saved_results[index] if saved_results else None,
            edited=result,
        )
        for index, result in enumerate(edited_results)
    ]
    return Preview(rows=rows, has_saved=saved_results is not None)

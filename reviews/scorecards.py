"""A cycle's frozen scorecard as the pure engine's `kpis.scoring.Scorecard`: the one reading
of `Cycle.scorecard` (the JSON frozen when the cycle opened) and its items, defaults
included. Every page, service and the computation ask `cycle.scoring_card` for it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kpis import scoring


def _plain(value: Decimal | None) -> Decimal | None:
    """A stored decimal without the column's trailing zeros: 8.0000 → 8, 1.50 → 1.5."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _decimal_table(table: dict) -> dict[str, Decimal]:
    return {str(key): Decimal(str(value)) for key, value in table.items()}


def _in_order(table: dict[str, Decimal], order: list[str]) -> dict[str, Decimal]:
    """A grade table best first (the engine reads grades in the table's order)."""
    return {grade: table[grade] for grade in order if grade in table} | table


def scorecard_from(
    settings: dict, *, grades: list[str], kpi_items: Iterable, competency_items: Iterable
) -> scoring.Scorecard:
    """The Scorecard of frozen `settings` (Cycle.scorecard), its grades best first and its
    CycleKpi and CycleCompetency rows in position order. Where a setting is missing, the
    engine's own default applies (SCORING.md section 1)."""
    if not settings:
        raise ValueError("A draft cycle has no frozen scorecard yet: open the cycle first.")
    grading = settings.get("grading", {})
    kpis = tuple(
        scoring.KpiItem(
            key=str(item.pk),
            direction=item.direction,
            threshold=_plain(item.threshold),
            target=_plain(item.target),
            stretch=_plain(item.stretch),
            weight=_plain(item.weight),
        )
        for item in kpi_items
    )
    competencies = tuple(
        scoring.CompetencyItem(key=str(item.pk), weight=_plain(item.weight))
        for item in competency_items
    )
    defaults = scoring.Scorecard(kpis=(), competencies=())
    sections = _decimal_table(settings.get("section_weights", {}))
    sources = _decimal_table(settings.get("source_weights", {}))
    scale = settings.get("scale")
    return scoring.Scorecard(
        kpis=kpis,
        competencies=competencies,
        scale=scoring.Scale(lo=int(scale["lo"]), hi=int(scale["hi"])) if scale else defaults.scale,
        section_weights={
            section: sections.get(section.value, weight)
            for section, weight in defaults.section_weights.items()
        },
        source_weights={
            source: sources.get(source.value, weight)
            for source, weight in defaults.source_weights.items()
        },
        min_peer_responses=int(settings.get("min_peer_responses", defaults.min_peer_responses)),
        stretch_cap=Decimal(str(settings.get("stretch_cap", defaults.stretch_cap))),
        max_adjustment=Decimal(str(settings.get("max_adjustment", defaults.max_adjustment))),
        grading=scoring.Grading(
            mode=grading.get("mode", defaults.grading.mode),
            bands=_in_order(_decimal_table(grading.get("bands", {})), grades),
            quotas=_in_order(_decimal_table(grading.get("quotas", {})), grades),
        ),
        bonus_multipliers=_decimal_table(settings.get("bonus_multipliers", {})),
    )

"""Writing scenario results and scorecards (SCORING.md section 7) as JSON or a table.

Pure, like `kpis.scoring`: no Django. Numbers are written so that they read back exactly
(`parse_float=Decimal`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from kpis.scoring import (
    KpiItem,
    ParticipantResult,
    Scorecard,
    round_score,
)


def _json_number(value: Decimal | int) -> int | float:
    """A JSON number that reads back (with ``parse_float=Decimal``) as exactly ``value``."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    written = float(value)
    if Decimal(repr(written)) != value:
        raise ValueError(f"{value} has too many digits to be written exactly as a JSON number")
    return written


def _json_table(table: Mapping[str, Decimal]) -> dict[str, int | float]:
    return {str(name): _json_number(value) for name, value in table.items()}


def _kpi_to_dict(item: KpiItem) -> dict:
    written = {
        "key": item.key,
        "direction": str(item.direction),
        "threshold": _json_number(item.threshold),
        "target": _json_number(item.target),
    }
    if item.stretch is not None:
        written["stretch"] = _json_number(item.stretch)
    written["weight"] = _json_number(item.weight)
    return written


def scorecard_to_dict(card: Scorecard) -> dict:
    """The scorecard in the scenario format (settings and items), ready for `json.dumps`.

    `scorecard_from_dict` reads it back to an equal scorecard.
    """
    return {
        "scale": {"lo": card.scale.lo, "hi": card.scale.hi},
        "section_weights": _json_table(card.section_weights),
        "source_weights": _json_table(card.source_weights),
        "min_peer_responses": card.min_peer_responses,
        "stretch_cap": _json_number(card.stretch_cap),
        "max_adjustment": _json_number(card.max_adjustment),
        "grading": {
            "mode": str(card.grading.mode),
            "bands": _json_table(card.grading.bands),
            "quotas": _json_table(card.grading.quotas),
        },
        "bonus_multipliers": _json_table(card.bonus_multipliers),
        "kpis": [_kpi_to_dict(item) for item in card.kpis],
        "competencies": [
            {"key": item.key, "weight": _json_number(item.weight)} for item in card.competencies
        ],
    }


def _two_places(value: Decimal | None) -> str | None:
    return None if value is None else str(round_score(value))


def results_to_json(results: Sequence[ParticipantResult]) -> dict:
    """``{"results": [...]}`` in input order; scores as text with two decimals (section
    scores rounded half-up for output only), ``null`` where there is none."""
    return {
        "results": [
            {
                "id": result.id,
                "kpi_score": _two_places(result.kpi_score),
                "competency_score": _two_places(result.competency_score),
                "final_score": _two_places(result.final_score),
                "rank": result.rank,
                "team_rank": result.team_rank,
                "grade": result.grade,
                "flags": list(result.flags),
            }
            for result in results
        ]
    }


_TABLE_COLUMNS = (
    ("id", "<"),
    ("team", "<"),
    ("KPI", ">"),
    ("competency", ">"),
    ("final", ">"),
    ("rank", ">"),
    ("team rank", ">"),
    ("grade", "<"),
    ("flags", "<"),
)


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def results_to_table(results: Sequence[ParticipantResult]) -> str:
    """Results as aligned columns for people, one line per participant in input order."""
    rows = [
        (
            _cell(result.id),
            _cell(result.team),
            _cell(_two_places(result.kpi_score)),
            _cell(_two_places(result.competency_score)),
            _cell(_two_places(result.final_score)),
            _cell(result.rank),
            _cell(result.team_rank),
            _cell(result.grade),
            ", ".join(result.flags),
        )
        for result in results
    ]
    headers = tuple(name for name, _ in _TABLE_COLUMNS)
    widths = [max(len(row[column]) for row in (headers, *rows)) for column in range(len(headers))]
    lines = []
    for row in (headers, *rows):
        cells = [
            f"{cell:{align}{width}}"
            for cell, (_, align), width in zip(row, _TABLE_COLUMNS, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)

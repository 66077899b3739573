"""A result's explanation, stored compactly and expanded for the result page.

The engine's Explanation (kpis.scoring) is a tree of dataclasses. Stored as-is it costs
~13 KiB and a reflective walk per PM; this module writes it as fixed-position lists
(~3 KiB, no reflection), and expands it back into the names the page uses. Thresholds
and weights are not repeated per PM: they are the cycle's frozen items.
"""

from __future__ import annotations

import json
from decimal import Decimal

from kpis import scoring
from kpis.services import plain_decimal

VERSION = 2


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _pack_sources(sources: tuple[scoring.SourceStep, ...]) -> list:
    return [
        [
            str(source.source),
            _text(source.weight),
            _text(source.rating),
            source.response_count,
            source.not_applicable_count,
            _text(source.normalised),
            source.is_present,
            None if source.left_out_reason is None else str(source.left_out_reason),
        ]
        for source in sources
    ]


def pack(explanation: scoring.Explanation, cache: dict | None = None) -> dict:
    """The explanation as compact JSON-ready data.

    `cache` (one dict per run) reuses the packed form of the competency steps the engine
    shares between PMs with the same ratings. It holds each step it has packed, so no id
    is reused while the cache lives."""
    cache = {} if cache is None else cache
    return {
        "v": VERSION,
        **_pack_kpis_and_totals(explanation),
        "c": [_competency(step, cache)[0] for step in explanation.competencies],
    }


def pack_json(explanation: scoring.Explanation, cache: dict | None = None) -> str:
    """`pack` as JSON text: the same document as ``json.dumps(pack(explanation))``, with
    each shared competency step encoded once per run (the bulk of the text)."""
    cache = {} if cache is None else cache
    head = json.dumps({"v": VERSION, **_pack_kpis_and_totals(explanation)}, separators=(",", ":"))
    texts = []
    for step in explanation.competencies:  # inlined: 20 per PM, mostly cache hits
        hit = cache.get(id(step))
        texts.append((hit if hit is not None and hit[0] is step else _cached(step, cache))[2])
    return f'{head[:-1]},"c":[{",".join(texts)}]}}'


def _competency(step: scoring.CompetencyStep, cache: dict) -> tuple[list, str]:
    """A competency step packed, and as JSON text; cached by the step's identity (the
    cache holds the step, so its id is not reused while the cache lives)."""
    hit = cache.get(id(step))
    if hit is None or hit[0] is not step:
        hit = _cached(step, cache)
    return hit[1], hit[2]


def _cached(step: scoring.CompetencyStep, cache: dict) -> tuple:
    packed = [step.key, _text(step.score), _pack_sources(step.sources)]
    hit = cache[id(step)] = (step, packed, json.dumps(packed, separators=(",", ":")))
    return hit


def _pack_kpis_and_totals(explanation: scoring.Explanation) -> dict:
    return {
        "k": [
            [
                step.key,
                str(step.status),
                _text(step.actual),
                _text(step.progress),
                _text(step.stretch_progress),
                _text(step.points),
                step.excused_reason,
            ]
            for step in explanation.kpis
        ],
        "s": [
            [
                _text(section.score),
                _text(section.weight),
                _text(section.weight_used),
                _text(section.item_weight_total),
                section.is_dropped,
            ]
            for section in (explanation.kpi_section, explanation.competency_section)
        ],
        "f": [
            _text(explanation.weighted_score),
            _text(explanation.adjustment),
            explanation.adjustment_reason,
            _text(explanation.unclamped_score),
            _text(explanation.stretch_cap),
            explanation.is_clamped,
            _text(explanation.unrounded_final),
            _text(explanation.final_score),
        ],
    }


def unpack(
    data: dict, *, kpi_items: dict[str, object], competency_items: dict[str, object]
) -> dict:
    """The stored explanation with the field names of kpis.scoring's dataclasses.

    `kpi_items` and `competency_items` map the engine's keys (item ids) to the cycle's
    frozen items, which give thresholds, targets, stretches and weights."""
    if data.get("v") != VERSION:
        return data  # written before version 2: already in the expanded shape
    kpis = []
    for key, status, actual, progress, stretch_progress, points, excused_reason in data["k"]:
        item = kpi_items.get(key)
        kpis.append(
            {
                "key": key,
                "status": status,
                "actual": actual,
                "progress": progress,
                "stretch_progress": stretch_progress,
                "points": points,
                "excused_reason": excused_reason,
                "direction": getattr(item, "direction", ""),
                "threshold": _plain(getattr(item, "threshold", None)),
                "target": _plain(getattr(item, "target", None)),
                "stretch": _plain(getattr(item, "stretch", None)),
                "weight": _plain(getattr(item, "weight", None)),
            }
        )
    competencies = []
    for key, score, sources in data["c"]:
        item = competency_items.get(key)
        competencies.append(
            {
                "key": key,
                "score": score,
                "weight": _plain(getattr(item, "weight", None)),
                "sources": [
                    {
                        "source": source,
                        "weight": weight,
                        "rating": rating,
                        "response_count": responses,
                        "not_applicable_count": not_applicable,
                        "normalised": normalised,
                        "is_present": is_present,
                        "left_out_reason": reason,
                    }
                    for (
                        source,
                        weight,
                        rating,
                        responses,
                        not_applicable,
                        normalised,
                        is_present,
                        reason,
                    ) in sources
                ],
            }
        )
    sections = [
        {
            "score": score,
            "weight": weight,
            "weight_used": used,
            "item_weight_total": total,
            "is_dropped": dropped,
        }
        for score, weight, used, total, dropped in data["s"]
    ]
    weighted, adjustment, reason, unclamped, cap, is_clamped, unrounded, final = data["f"]
    return {
        "kpis": kpis,
        "competencies": competencies,
        "kpi_section": sections[0],
        "competency_section": sections[1],
        "weighted_score": weighted,
        "adjustment": adjustment,
        "adjustment_reason": reason,
        "unclamped_score": unclamped,
        "stretch_cap": cap,
        "is_clamped": is_clamped,
        "unrounded_final": unrounded,
        "final_score": final,
    }


def _plain(value: Decimal | None) -> str | None:

    return None if value is None else str(plain_decimal(value))

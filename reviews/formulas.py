# ruff: noqa: RUF001, RUF002, RUF003 - formulas are written with the signs a calculator shows (−, ×, ÷)
"""The result page's figures and formulas, as a reader with a calculator redoes them.

Every figure on screen shows two decimals (`figure`), in the active language's format; the
inputs (actuals, thresholds, ratings) as they were entered (`entered`); the exact values
the computation used only in the page's "Show the exact arithmetic" disclosure (`exact`).
The arithmetic itself is the engine's (kpis.scoring): nothing here recomputes a score, the
formulas only write out the stored inputs and results (SCORING.md sections 2 to 4).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kpis.services import plain_decimal

CENT = Decimal("0.01")
MINUS = "\u2212"  # the minus sign, not a hyphen: "12 − 10"
DASH = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def figure(value) -> str:
    """A score, points, percentage, mean or weight: two decimals, rounded half-up, in the
    active language's format; "—" when there is none."""
    number = _decimal(value)
    if number is None:
        return DASH
    return _signed(number_format(number.quantize(CENT, rounding=ROUND_HALF_UP), decimal_pos=2))


def entered(value) -> str:
    """An input as it was entered (an actual, a threshold, a rating): no trailing zeros."""
    number = _decimal(value)
    if number is None:
        return DASH
    return _signed(number_format(plain_decimal(number)))


def exact(value) -> str:
    """A computed value with every decimal the computation kept."""
    number = _decimal(value)
    if number is None:
        return DASH
    return _signed(number_format(number))


def _operand(text: str) -> str:
    """A number inside a formula: a negative one in brackets, "10 − (−5)"."""
    return f"({text})" if text.startswith(MINUS) else text


def kpi_formula(row: dict, cap) -> str:
    """One KPI's points, from its actual, threshold, target and stretch (SCORING.md 2).
    The case is read from the stored points, never decided again here."""
    name = row["name"]
    if row["status"] == "excused":
        return _("%(name)s: excused (%(reason)s), left out of the KPI score") % {
            "name": name,
            "reason": row.get("excused_reason") or DASH,
        }
    if row["status"] == "missing":
        return _("%(name)s: no actual, %(points)s points") % {
            "name": name,
            "points": figure(0),
        }
    values = {
        "name": name,
        "actual": _operand(entered(row["actual"])),
        "threshold": _operand(entered(row["threshold"])),
        "target": _operand(entered(row["target"])),
        "stretch": _operand(entered(row["stretch"])),
        "cap": entered(cap),
        "points": figure(row["points"]),
    }
    points = _decimal(row["points"])
    if row.get("stretch_progress") is not None:
        if _decimal(row["stretch_progress"]) == 1:
            return (
                _(
                    "%(name)s points: %(actual)s reaches the stretch %(stretch)s, so "
                    "100 + (%(cap)s − 100) × 1 = %(points)s"
                )
                % values
            )
        return (
            _(
                "%(name)s points: 100 + (%(cap)s − 100) × (%(actual)s − %(target)s) ÷ "
                "(%(stretch)s − %(target)s) = %(points)s"
            )
            % values
        )
    if points is not None and points.is_zero():
        return (
            _("%(name)s points: %(actual)s misses the threshold %(threshold)s, so %(points)s")
            % values
        )
    if points == 100:
        return (
            _("%(name)s points: %(actual)s reaches the target %(target)s, so %(points)s") % values
        )
    return (
        _(
            "%(name)s points: 50 + 50 × (%(actual)s − %(threshold)s) ÷ "
            "(%(target)s − %(threshold)s) = %(points)s"
        )
        % values
    )


def weighted_mean(pairs: list[tuple], result) -> str:
    """`(w1 × v1 + w2 × v2) ÷ (w1 + w2) = result`, every figure with two decimals."""
    if not pairs:
        return DASH
    products = " + ".join(
        f"{figure(weight)} × {_operand(figure(value))}" for weight, value in pairs
    )
    weights = " + ".join(figure(weight) for weight, _value in pairs)
    return f"({products}) ÷ ({weights}) = {figure(result)}"


def normalised_formula(rating, normalised, scale) -> str:
    """A rating (or the peers' mean, two decimals) on the 0..100 scale:
    100 × (r − lo) ÷ (hi − lo)."""
    lo, hi = entered(scale.lo), entered(scale.hi)
    number = _decimal(rating)
    is_whole = number is not None and number == number.to_integral_value()
    shown = entered(rating) if is_whole else figure(rating)
    return f"{shown} → 100 × ({shown} − {lo}) ÷ ({hi} − {lo}) = {figure(normalised)}"


def source_words(source: dict) -> str:
    """Why a source did not count, in words. Never a number of peers: how many answered
    stays unsaid, whether their mean is shown or not (peers stay anonymous)."""
    reason = source.get("left_out_reason")
    if reason == "too_few_peers":
        return _(
            "too few peer answers: their mean is not shown and does not count, so that "
            "peers stay anonymous"
        )
    if reason == "weight_zero":
        return _("not counted (weight 0)")
    return _("not observed (or not rated): left out, not counted as zero")


def final_formulas(explanation: dict) -> dict[str, str]:
    """Section 4's steps: the weighted sections, the adjustment, the clamp."""
    sections = (explanation["kpi_section"], explanation["competency_section"])
    terms = [
        (section.get("weight_used"), section.get("score"))
        for section in sections
        if section.get("score") is not None and _decimal(section.get("weight_used"))
    ]
    weighted = (
        " + ".join(f"{figure(weight)} × {_operand(figure(score))}" for weight, score in terms)
        if terms
        else DASH
    )
    adjustment = _decimal(explanation.get("adjustment")) or Decimal(0)
    sign = MINUS if adjustment < 0 else "+"
    return {
        "weighted": _("Weighted: (%(terms)s) ÷ 100 = %(weighted)s")
        % {"terms": weighted, "weighted": figure(explanation.get("weighted_score"))},
        "adjusted": _("Leader adjustment: %(weighted)s %(sign)s %(points)s = %(adjusted)s")
        % {
            "weighted": figure(explanation.get("weighted_score")),
            "sign": sign,
            "points": figure(abs(adjustment)),
            "adjusted": figure(explanation.get("unclamped_score")),
        },
        "clamped": _("Kept between 0 and %(cap)s: %(score)s")
        % {
            "cap": figure(explanation.get("stretch_cap")),
            "score": figure(explanation.get("unrounded_final")),
        },
    }

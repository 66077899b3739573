"""Scoring problems worded for people: in their language, naming each item by its name and
saying what to change ("GMV growth: the threshold must be below the target for a
higher-is-better KPI").

`kpis.scoring` stays free of Django and words its problems for developers and scenario
files (``kpis[2] (gmv_growth): threshold 20 must be below target 15 ...``); each `Problem`
also carries a code and its values, which this module turns into a translated sentence.
A problem without a code (a problem of form in a JSON file) keeps its technical line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from .scoring import Direction, Problem

# (section, key) → the item's name as the editor shows it; section is "kpis" or
# "competencies", as in a scorecard.
ItemNames = Mapping[tuple[str, str], str]


def _number(value: object, places: int | None = None) -> str:
    """A number as the page shows it: 8, 1.5, or with `places` decimals (95.00)."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        return str(value)
    if places is not None:
        return formats.number_format(value, places)
    number = Decimal(value)
    if number.is_finite():
        number = (
            number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
        )
    return formats.number_format(number)


def item_name(names: ItemNames, section: str, key: object, index: object = None) -> str:
    """The item's name; its key when the catalog has no such item; its row number when
    it has no key either."""
    name = names.get((section, str(key)))
    if name:
        return name
    if isinstance(key, str) and key.strip():
        return key
    number = index + 1 if isinstance(index, int) else "?"
    if section == "competencies":
        return _("Competency %(number)s") % {"number": number}
    return _("KPI %(number)s") % {"number": number}


def _sum_message(group: str, total: object) -> str:
    total = _number(total, 2)
    messages = {
        "kpis": _("KPI weights must add up to 100; they add up to %(total)s now."),
        "competencies": _("Competency weights must add up to 100; they add up to %(total)s now."),
        "section_weights": _(
            "The section weights (KPIs and competencies) must add up to 100; "
            "they add up to %(total)s now."
        ),
        "source_weights": _(
            "The source weights (self, leader, peers) must add up to 100; "
            "they add up to %(total)s now."
        ),
        "grading.quotas": _("The grade quotas must add up to 100; they add up to %(total)s now."),
    }
    return messages.get(group, messages["kpis"]) % {"total": total}


def _setting_label(where: str) -> str | None:
    labels = {
        "section_weights.kpi": _("KPI section weight"),
        "section_weights.competency": _("Competency section weight"),
        "source_weights.self": _("Self weight"),
        "source_weights.leader": _("Leader weight"),
        "source_weights.peer": _("Peer weight"),
    }
    return labels.get(where)


def _item_message(problem: Problem, item: str) -> str | None:
    params = problem.params
    code = problem.code
    is_higher = params.get("direction") == Direction.HIGHER
    values = {
        "item": item,
        **{
            name: _number(params.get(name)) for name in ("threshold", "target", "stretch", "weight")
        },
    }
    if code == "threshold_order":
        message = (
            _(
                "%(item)s: the threshold must be below the target for a higher-is-better KPI; "
                "it is %(threshold)s, the target %(target)s."
            )
            if is_higher
            else _(
                "%(item)s: the threshold must be above the target for a lower-is-better KPI; "
                "it is %(threshold)s, the target %(target)s."
            )
        )
        return message % values
    if code == "stretch_order":
        message = (
            _(
                "%(item)s: the stretch must be above the target for a higher-is-better KPI "
                "(or left empty); it is %(stretch)s, the target %(target)s."
            )
            if is_higher
            else _(
                "%(item)s: the stretch must be below the target for a lower-is-better KPI "
                "(or left empty); it is %(stretch)s, the target %(target)s."
            )
        )
        return message % values
    if code in ("negative", "not_a_number") and params.get("field") == "weight":
        return _("%(item)s: give a weight between 0 and 100.") % values
    if code == "not_a_number":
        fields = {"threshold": _("threshold"), "target": _("target"), "stretch": _("stretch")}
        field = fields.get(str(params.get("field")), str(params.get("field")))
        return _("%(item)s: the %(field)s must be a number.") % {"item": item, "field": field}
    if code == "duplicate_item":
        return _("%(item)s is on the scorecard twice: remove one of the rows.") % values
    if code == "item_key":
        if params.get("section") == "competencies":
            return _("%(item)s: choose a competency.") % values
        return _("%(item)s: choose a KPI.") % values
    if code == "direction":
        return _("%(item)s: the KPI must be higher-is-better or lower-is-better.") % values
    return None


def _settings_message(problem: Problem) -> str | None:
    params = problem.params
    code = problem.code
    where = problem.where
    grade = where.rsplit(".", 1)[-1]
    if code == "sum":
        return _sum_message(str(params.get("group")), params.get("total"))
    if code == "no_items":
        weight = _number(params.get("weight"))
        if params.get("section") == "competencies":
            return _(
                "There are no competencies, but the competency section weighs %(weight)s: "
                "add competencies or set the competency section weight to 0."
            ) % {"weight": weight}
        return _(
            "There are no KPIs, but the KPI section weighs %(weight)s: add KPIs or set the "
            "KPI section weight to 0."
        ) % {"weight": weight}
    if code in ("negative", "not_a_number"):
        label = _setting_label(where)
        if label:
            return _("%(setting)s: give a weight between 0 and 100.") % {"setting": label}
        if where == "max_adjustment":
            return _("Maximum leader adjustment: give a number of 0 or more.")
        if where.startswith("grading.bands."):
            return _("Grade %(grade)s: give a lowest score of 0 or more.") % {"grade": grade}
        if where.startswith("grading.quotas."):
            return _("Grade %(grade)s: give a quota between 0 and 100.") % {"grade": grade}
        if where.startswith("bonus_multipliers."):
            return _("Grade %(grade)s: give a bonus multiplier of 0 or more.") % {"grade": grade}
        return None
    if code == "band_order":
        return _(
            "Grade %(grade)s: its lowest score must be below grade %(better)s's "
            "(%(better_minimum)s); it is %(minimum)s. List the grades best first."
        ) % {
            "grade": params.get("grade"),
            "better": params.get("better"),
            "better_minimum": _number(params.get("better_minimum")),
            "minimum": _number(params.get("minimum")),
        }
    if code == "lowest_band":
        return _(
            "Grade %(grade)s: the lowest grade must start at 0 so that every score gets a "
            "grade; it starts at %(minimum)s."
        ) % {"grade": params.get("grade"), "minimum": _number(params.get("minimum"))}
    messages = {
        "scale_whole": _("The lowest and highest ratings must be whole numbers."),
        "min_peer_responses": _(
            "The minimum number of peer responses must be a whole number of at least 1."
        ),
        "stretch_cap": _("The stretch cap must be a number of at least 100."),
        "no_grades": _("Add at least one grade."),
        "grade_name": _("Every grade needs a name."),
        "grading_mode": _("Choose bands or a forced distribution for grading."),
    }
    if code == "scale_order":
        return _("The lowest rating (%(lo)s) must be below the highest rating (%(hi)s).") % {
            "lo": params.get("lo"),
            "hi": params.get("hi"),
        }
    if code in ("unknown_key", "missing_key"):
        group = (
            _("Section weights")
            if params.get("group") == "section_weights"
            else _("Source weights")
        )
        message = (
            _("%(group)s: “%(key)s” is not one of them; remove it.")
            if code == "unknown_key"
            else _("%(group)s: give a weight for “%(key)s”.")
        )
        return message % {"group": group, "key": params.get("key")}
    return messages.get(code)


def _participant_message(problem: Problem, names: ItemNames) -> str | None:
    params = problem.params
    code = problem.code
    participant = params.get("participant")
    key = params.get("key")
    if code == "rating":
        sources = {"self": _("self"), "leader": _("leader"), "peer": _("peer")}
        return _(
            "Participant %(participant)s, %(item)s: the %(source)s rating %(rating)s is off "
            "the scale; give a whole number from %(lo)s to %(hi)s."
        ) % {
            "participant": participant,
            "item": item_name(names, "competencies", key),
            "source": sources.get(str(params.get("source")), params.get("source")),
            "rating": params.get("rating"),
            "lo": params.get("lo"),
            "hi": params.get("hi"),
        }
    values = {
        "participant": participant,
        "key": key,
        "item": item_name(names, "kpis", key),
        "adjustment": _number(params.get("adjustment")),
        "maximum": _number(params.get("maximum")),
    }
    messages = {
        "unknown_kpi": _(
            "Participant %(participant)s: “%(key)s” is not a KPI of this scorecard; remove "
            "its actual or add the KPI."
        ),
        "unknown_competency": _(
            "Participant %(participant)s: “%(key)s” is not a competency of this scorecard; "
            "remove its ratings or add the competency."
        ),
        "excused_without_reason": _(
            "Participant %(participant)s, %(item)s: an excused actual needs a reason."
        ),
        "actual_not_a_number": _(
            "Participant %(participant)s, %(item)s: give the actual as a number."
        ),
        "adjustment_not_a_number": _(
            "Participant %(participant)s: give the adjustment as a number."
        ),
        "adjustment_beyond": _(
            "Participant %(participant)s: the adjustment %(adjustment)s is beyond the maximum "
            "of %(maximum)s either way; give one within it."
        ),
        "adjustment_reason": _(
            "Participant %(participant)s: give a reason for the adjustment, or set it to 0."
        ),
        "participant_id": _("Every participant needs an id."),
    }
    message = messages.get(code)
    return message % values if message else None


def problem_message(problem: Problem | str, *, names: ItemNames) -> str:
    """One problem as a sentence for people; a problem without a code as it is."""
    if isinstance(problem, str) or not problem.code:
        return str(problem)
    params = problem.params
    message = None
    if "participant" in params:
        message = _participant_message(problem, names)
    elif "section" in params and "index" in params:
        item = item_name(names, str(params["section"]), params.get("key"), params.get("index"))
        message = _item_message(problem, item)
    if message is None:
        message = _settings_message(problem)
    return message or str(problem)


def problem_messages(problems: Iterable[Problem | str], *, names: ItemNames) -> list[str]:
    return [problem_message(problem, names=names) for problem in problems]


# --- what the template's columns keep ---------------------------------------------------------

WEIGHT_DIGITS = (6, 2)  # kpis.models.WEIGHT: weights, caps, bands, quotas
MEASURE_DIGITS = (16, 4)  # kpis.models.MEASURE: thresholds, targets, stretches
MULTIPLIER_DIGITS = (5, 2)  # a grade's bonus multiplier
WHOLE_NUMBERS = {"scale.lo": (0, 100), "scale.hi": (1, 100), "min_peer_responses": (1, 50)}


def _does_not_fit(value: object, digits: tuple[int, int]) -> bool:
    """Is `value` a finite number its column cannot keep exactly (too large, or more
    decimals than it keeps)? Anything else is for the scoring rules to word."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        return False
    number = Decimal(value)
    if not number.is_finite():
        return False
    max_digits, places = digits
    _sign, figures, exponent = number.normalize().as_tuple()
    return -exponent > places or len(figures) + exponent > max_digits - places


def _column_problem(where: str, value: object, digits: tuple[int, int]) -> str:
    max_digits, places = digits
    return _(
        "%(where)s: %(value)s does not fit: give at most %(whole)s digits before the "
        "decimals and %(places)s after."
    ) % {"where": where, "value": str(value)[:40], "whole": max_digits - places, "places": places}


def column_problems(data: Mapping, *, names: ItemNames) -> list[str]:
    """The numbers of a template dict its columns cannot keep, and the items weighing 0
    (an item that should not count is left out; the database refuses it too): one
    message each, naming the item, so the write never reaches a database refusal."""
    problems = []

    def check(where: str, value: object, digits: tuple[int, int]) -> None:
        if _does_not_fit(value, digits):
            problems.append(_column_problem(where, value, digits))

    def table(value: object) -> Mapping:
        return value if isinstance(value, Mapping) else {}

    for group in ("section_weights", "source_weights"):
        for name, value in table(data.get(group)).items():
            check(f"{group}.{name}", value, WEIGHT_DIGITS)
    for name in ("stretch_cap", "max_adjustment"):
        check(name, data.get(name), WEIGHT_DIGITS)
    grading = table(data.get("grading"))
    for group in ("bands", "quotas"):
        for grade, value in table(grading.get(group)).items():
            check(f"grading.{group}.{grade}", value, WEIGHT_DIGITS)
    for grade, value in table(data.get("bonus_multipliers")).items():
        check(f"bonus_multipliers.{grade}", value, MULTIPLIER_DIGITS)
    for where, (lo, hi) in WHOLE_NUMBERS.items():
        parent, _dot, name = where.rpartition(".")
        value = table(data.get(parent)).get(name) if parent else data.get(name)
        if (
            isinstance(value, Decimal | int)
            and not isinstance(value, bool)
            and not (lo <= value <= hi)
        ):
            problems.append(
                _("%(where)s: give a whole number from %(lo)s to %(hi)s.")
                % {"where": where, "lo": lo, "hi": hi}
            )
    for section, fields in (
        ("kpis", ("threshold", "target", "stretch")),
        ("competencies", ()),
    ):
        items = data.get(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, Mapping):
                continue
            name = item_name(names, section, item.get("key"), index)
            for field in fields:
                check(f"{name} ({field})", item.get(field), MEASURE_DIGITS)
            weight = item.get("weight")
            check(f"{name} (weight)", weight, WEIGHT_DIGITS)
            # Below 0 is out of range for the scoring rules, which say so; 0 is not, but an
            # item weighing nothing has no place on a scorecard.
            if isinstance(weight, Decimal | int) and not isinstance(weight, bool) and weight == 0:
                problems.append(
                    _(
                        "%(item)s: give a weight above 0; an item that should not count is "
                        "left out of the template."
                    )
                    % {"item": name}
                )
    return problems

"""Scenario files (SCORING.md section 7): a scorecard plus participants' inputs, as JSON.

Pure, like `kpis.scoring`: no Django. `load_scenario` / `parse_scenario` turn a scenario
into a `Scorecard` and `ParticipantInput`s, or raise `ScenarioError` listing every
problem with where it is (``kpis[2] (arpu_growth): threshold 5 must be below target 10
for a higher-is-better KPI``). `scorecard_from_dict` reads the scorecard part alone
(settings and items, no participants), for template import; `kpis.scenario.writing`
writes results and scorecards.

Problems come in two kinds. Problems of form (a required field left out, a field of
the wrong type, an unknown field) are always all listed. Rule problems (weights not
summing to 100, thresholds out of order, a rating off the scale...) come from
`kpis.scoring` and are listed with them, except that while the scorecard itself has a
problem of form, the rules that need a well-formed scorecard are not checked yet.

Numbers are read as `Decimal`, never through binary floating point: JSON text is parsed
with ``parse_float=Decimal``, and a Python float met in a dict is converted through its
shortest text (``Decimal(str(x))``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from kpis.scoring import (
    DEFAULT_BANDS,
    DEFAULT_QUOTAS,
    DEFAULT_SECTION_WEIGHTS,
    DEFAULT_SOURCE_WEIGHTS,
    CompetencyItem,
    CompetencyRatings,
    Excused,
    Grading,
    GradingMode,
    KpiItem,
    ParticipantInput,
    Problem,
    Scale,
    Scorecard,
    Section,
    Source,
    participant_problems,
    scorecard_problems,
)

SETTINGS_FIELDS = (
    "scale",
    "section_weights",
    "source_weights",
    "min_peer_responses",
    "stretch_cap",
    "max_adjustment",
    "grading",
    "bonus_multipliers",
)
SCORECARD_FIELDS = (*SETTINGS_FIELDS, "kpis", "competencies")
SCENARIO_FIELDS = ("description", *SCORECARD_FIELDS, "participants")
KPI_FIELDS = ("key", "direction", "threshold", "target", "stretch", "weight")
KPI_REQUIRED_FIELDS = ("key", "direction", "threshold", "target", "weight")
COMPETENCY_FIELDS = ("key", "weight")
PARTICIPANT_FIELDS = ("id", "team", "actuals", "ratings", "adjustment")
RATING_FIELDS = ("self", "leader", "peers")


# Ratings, scale ends and counts are small: a whole number of 10 or more digits is refused
# before it is rounded or turned into an int (which, for 1e999999999, would take forever).
MAX_DIGITS = 9


class ScenarioError(ValueError):
    """The scenario was refused; ``problems`` lists every problem, one line each.

    ``details`` holds the same problems as found: a broken rule as its `Problem` (with a
    code a page can word for people), a problem of form as its line."""

    def __init__(self, problems: list[str], details: list[Problem | str] | None = None):
        super().__init__("\n".join(problems))
        self.problems = problems
        self.details = list(problems) if details is None else details

    def __reduce__(self):
        return type(self), (self.problems, self.details)


class Scenario(NamedTuple):
    scorecard: Scorecard
    participants: list[ParticipantInput]


# --------------------------------------------------------------------------- reading


def _describe(value: object) -> str:
    """A JSON value as a message shows it: ``null``, ``true``, ``the text 'ten'``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


class _Reader:
    """Reads JSON-shaped data, collecting every problem of form instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.details: list[Problem | str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")
        self.details.append(self.problems[-1])

    def add_rules(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.problems.append(str(problem))
            self.details.append(problem)

    def refused(self) -> ScenarioError:
        return ScenarioError(self.problems, self.details)

    def fields(
        self,
        value: object,
        where: str,
        *,
        allowed: Collection[str] | None,
        required: Iterable[str] = (),
    ) -> Mapping | None:
        """``value`` as an object; ``allowed=None`` allows any field name (a table of
        grades or of KPI keys names its own fields)."""
        if not isinstance(value, Mapping):
            self.add(where, f"must be an object, not {_describe(value)}")
            return None
        for name in value:
            if allowed is not None and name not in allowed:
                self.add(where, f"unknown field {name!r}")
        for name in required:
            if name not in value:
                self.add(where, f"{name} is required")
        return value

    def number(self, value: object, where: str) -> Decimal | None:
        """A number as a `Decimal`; NaN and infinities pass here and are refused by the
        scoring rules, which say "not a finite number"."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.add(where, f"must be a number, not {_describe(value)}")
            return None
        if isinstance(value, float):
            return Decimal(str(value))
        return Decimal(value)

    def optional_number(self, value: object, where: str) -> Decimal | None:
        return None if value is None else self.number(value, where)

    def whole_number(self, value: object, where: str, *, nullable: bool = False) -> int | None:
        if value is None and nullable:
            return None
        number = None
        if not isinstance(value, bool) and isinstance(value, int | float | Decimal):
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if number is not None and number.is_finite() and number.adjusted() >= MAX_DIGITS:
            # Checked first: rounding or converting 1e999999999 would overflow or hang.
            self.add(where, f"{_describe(value)} is far out of range")
            return None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            expected = "a whole number or null" if nullable else "a whole number"
            self.add(where, f"must be {expected}, not {_describe(value)}")
            return None
        return int(number)

    def text(self, value: object, where: str, *, nullable: bool = False) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            expected = "text or null" if nullable else "text"
            self.add(where, f"must be {expected}, not {_describe(value)}")
            return None
        return value

    def items(self, value: object, where: str) -> list | None:
        if not isinstance(value, list | tuple):
            self.add(where, f"must be a list, not {_describe(value)}")
            return None
        return list(value)

    def number_table(self, value: object, where: str, *, keys: Iterable[str] | None = None) -> dict:
        """An object of numbers; with ``keys``, exactly those keys, all required."""
        keys = None if keys is None else tuple(keys)
        table = self.fields(value, where, allowed=keys, required=keys or ())
        if table is None:
            return {}
        return {
            str(name): self.number(number, f"{where}.{name}")
            for name, number in table.items()
            if keys is None or name in keys
        }


def _label(collection: str, index: int, key: object) -> str:
    if isinstance(key, str) and key.strip():
        return f"{collection}[{index}] ({key})"
    return f"{collection}[{index}]"


def _read_scale(reader: _Reader, value: object) -> Scale:
    table = reader.fields(value, "scale", allowed=("lo", "hi"), required=("lo", "hi"))
    if table is None or "lo" not in table or "hi" not in table:
        return Scale()
    lo = reader.whole_number(table["lo"], "scale.lo")
    hi = reader.whole_number(table["hi"], "scale.hi")
    return Scale(lo=lo if lo is not None else 1, hi=hi if hi is not None else 5)


def _read_grading(reader: _Reader, value: object) -> Grading:
    table = reader.fields(value, "grading", allowed=("mode", "bands", "quotas"), required=("mode",))
    if table is None:
        return Grading()
    mode = reader.text(table.get("mode", GradingMode.BANDS), "grading.mode")
    bands = reader.number_table(table["bands"], "grading.bands") if "bands" in table else None
    quotas = reader.number_table(table["quotas"], "grading.quotas") if "quotas" in table else None
    return Grading(
        mode=mode if mode is not None else GradingMode.BANDS,
        bands=bands if bands is not None else dict(DEFAULT_BANDS),
        quotas=quotas if quotas is not None else dict(DEFAULT_QUOTAS),
    )


def _read_kpi(reader: _Reader, value: object, where: str) -> KpiItem | None:
    table = reader.fields(value, where, allowed=KPI_FIELDS, required=KPI_REQUIRED_FIELDS)
    if table is None or any(name not in table for name in KPI_REQUIRED_FIELDS):
        return None
    before = len(reader.problems)
    item = KpiItem(
        key=reader.text(table["key"], f"{where}.key"),
        direction=reader.text(table["direction"], f"{where}.direction"),
        threshold=reader.number(table["threshold"], f"{where}.threshold"),
        target=reader.number(table["target"], f"{where}.target"),
        stretch=reader.optional_number(table.get("stretch"), f"{where}.stretch"),
        weight=reader.number(table["weight"], f"{where}.weight"),
    )
    return item if len(reader.problems) == before else None


def _read_competency(reader: _Reader, value: object, where: str) -> CompetencyItem | None:
    table = reader.fields(value, where, allowed=COMPETENCY_FIELDS, required=COMPETENCY_FIELDS)
    if table is None or any(name not in table for name in COMPETENCY_FIELDS):
        return None
    before = len(reader.problems)
    item = CompetencyItem(
        key=reader.text(table["key"], f"{where}.key"),
        weight=reader.number(table["weight"], f"{where}.weight"),
    )
    return item if len(reader.problems) == before else None


def _read_items(reader: _Reader, value: object, collection: str, read_item) -> tuple:
    entries = reader.items(value, collection)
    if entries is None:
        return ()
    items = []
    for index, entry in enumerate(entries):
        key = entry.get("key") if isinstance(entry, Mapping) else None
        items.append(read_item(reader, entry, _label(collection, index, key)))
    return tuple(items)


def _read_scorecard(reader: _Reader, data: Mapping) -> Scorecard | None:
    """The scorecard part of ``data``, or ``None`` when it has a problem of form."""
    before = len(reader.problems)
    settings: dict = {}
    if "scale" in data:
        settings["scale"] = _read_scale(reader, data["scale"])
    if "section_weights" in data:
        settings["section_weights"] = {
            Section(name): weight
            for name, weight in reader.number_table(
                data["section_weights"], "section_weights", keys=DEFAULT_SECTION_WEIGHTS
            ).items()
        }
    if "source_weights" in data:
        settings["source_weights"] = {
            Source(name): weight
            for name, weight in reader.number_table(
                data["source_weights"], "source_weights", keys=DEFAULT_SOURCE_WEIGHTS
            ).items()
        }
    if "min_peer_responses" in data:
        settings["min_peer_responses"] = reader.whole_number(
            data["min_peer_responses"], "min_peer_responses"
        )
    if "stretch_cap" in data:
        settings["stretch_cap"] = reader.number(data["stretch_cap"], "stretch_cap")
    if "max_adjustment" in data:
        settings["max_adjustment"] = reader.number(data["max_adjustment"], "max_adjustment")
    if "grading" in data:
        settings["grading"] = _read_grading(reader, data["grading"])
    if "bonus_multipliers" in data:
        settings["bonus_multipliers"] = reader.number_table(
            data["bonus_multipliers"], "bonus_multipliers"
        )
    kpis = _read_items(reader, data["kpis"], "kpis", _read_kpi) if "kpis" in data else ()
    competencies = (
        _read_items(reader, data["competencies"], "competencies", _read_competency)
        if "competencies" in data
        else ()
    )
    if len(reader.problems) > before or "kpis" not in data or "competencies" not in data:
        return None
    return Scorecard(kpis=kpis, competencies=competencies, **settings)


def _read_actual(reader: _Reader, value: object, where: str) -> Decimal | Excused | None:
    if isinstance(value, Mapping):
        table = reader.fields(value, where, allowed=("excused",), required=("excused",))
        if table is None or "excused" not in table:
            return None
        reason = reader.text(table["excused"], f"{where}.excused")
        return None if reason is None else Excused(reason)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        reader.add(where, f'must be a number or {{"excused": "reason"}}, not {_describe(value)}')
        return None
    return reader.number(value, where)


def _read_ratings(reader: _Reader, value: object, where: str) -> CompetencyRatings | None:
    table = reader.fields(value, where, allowed=RATING_FIELDS)
    if table is None:
        return None
    peers = reader.items(table.get("peers", []), f"{where}.peers")
    return CompetencyRatings(
        self_rating=reader.whole_number(table.get("self"), f"{where}.self", nullable=True),
        leader_rating=reader.whole_number(table.get("leader"), f"{where}.leader", nullable=True),
        peer_ratings=tuple(
            reader.whole_number(rating, f"{where}.peers[{index}]", nullable=True)
            for index, rating in enumerate(peers or ())
        ),
    )


def _read_participant(reader: _Reader, value: object, where: str) -> ParticipantInput | None:
    table = reader.fields(value, where, allowed=PARTICIPANT_FIELDS, required=("id",))
    if table is None or "id" not in table:
        return None
    before = len(reader.problems)
    participant_id = reader.text(table["id"], f"{where}.id")
    team = reader.text(table.get("team"), f"{where}.team", nullable=True)
    actuals = {}
    actuals_table = reader.fields(table.get("actuals", {}), f"{where}.actuals", allowed=None)
    for key, actual in (actuals_table or {}).items():
        actuals[key] = _read_actual(reader, actual, f"{where}.actuals.{key}")
    ratings = {}
    ratings_table = reader.fields(table.get("ratings", {}), f"{where}.ratings", allowed=None)
    for key, item_ratings in (ratings_table or {}).items():
        ratings[key] = _read_ratings(reader, item_ratings, f"{where}.ratings.{key}")
    adjustment, reason = Decimal(0), ""
    if "adjustment" in table:
        adjustment_table = reader.fields(
            table["adjustment"],
            f"{where}.adjustment",
            allowed=("points", "reason"),
            required=("points",),
        )
        if adjustment_table is not None and "points" in adjustment_table:
            adjustment = reader.number(adjustment_table["points"], f"{where}.adjustment.points")
            reason = reader.text(adjustment_table.get("reason", ""), f"{where}.adjustment.reason")
    # After a problem of form, the parts that did read are still checked against the
    # scorecard's rules, so every problem is listed (the scenario is refused either way).
    del before
    return ParticipantInput(
        id=participant_id if participant_id is not None else where,
        team=team,
        actuals={key: actual for key, actual in actuals.items() if actual is not None},
        ratings={key: rating for key, rating in ratings.items() if rating is not None},
        adjustment=adjustment if adjustment is not None else Decimal(0),
        adjustment_reason=reason or "",
    )


def _read_participants(
    reader: _Reader, value: object, card: Scorecard | None
) -> list[ParticipantInput]:
    entries = reader.items(value, "participants")
    participants = []
    first_use: dict[str, str] = {}
    for index, entry in enumerate(entries or ()):
        participant_id = entry.get("id") if isinstance(entry, Mapping) else None
        where = _label("participants", index, participant_id)
        participant = _read_participant(reader, entry, where)
        if participant is None:
            continue
        participants.append(participant)
        if card is not None:
            reader.add_rules(participant_problems(card, participant, where=where))
        if participant.id in first_use:
            reader.add(where, f"id {participant.id} is already used by {first_use[participant.id]}")
        else:
            first_use[participant.id] = f"participants[{index}]"
    return participants


def parse_scenario(data: object) -> Scenario:
    """A scenario dict (numbers as `Decimal` or int) as a scorecard and participants.

    Raises `ScenarioError` listing every problem, each naming where it is.
    """
    reader = _Reader()
    top = reader.fields(
        data,
        "scenario",
        allowed=SCENARIO_FIELDS,
        required=("kpis", "competencies", "participants"),
    )
    if top is None:
        raise reader.refused()
    if "description" in top:
        reader.text(top["description"], "description")
    card = _read_scorecard(reader, top)
    if card is not None:
        reader.add_rules(scorecard_problems(card))
    participants = (
        _read_participants(reader, top["participants"], card) if "participants" in top else []
    )
    if reader.problems or card is None:
        raise reader.refused()
    return Scenario(card, participants)


# The template services call it by this name; the same function.
scenario_from_dict = parse_scenario


def load_scenario(text: str) -> Scenario:
    """Parse scenario JSON text; numbers become `Decimal` (NaN and Infinity are refused)."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            [f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from error
    return parse_scenario(data)


def scorecard_from_dict(data: object, *, ignore: Collection[str] = ()) -> Scorecard:
    """The settings and items of the scenario format (no participants) as a `Scorecard`.

    Fields named in ``ignore`` (a template's ``name``, say) are tolerated and left alone.
    Raises `ScenarioError` listing every problem.
    """
    reader = _Reader()
    top = reader.fields(
        data,
        "scorecard",
        allowed=(*SCORECARD_FIELDS, *ignore),
        required=("kpis", "competencies"),
    )
    card = None if top is None else _read_scorecard(reader, top)
    if card is not None:
        reader.add_rules(scorecard_problems(card))
    if reader.problems or card is None:
        raise reader.refused()
    return card

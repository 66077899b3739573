"""The arithmetic of SCORING.md, sections 1 to 5: pure, decimal, no Django.

Everything here works on plain values and frozen dataclasses, so a result can be
recomputed by hand from the inputs shown on a result page:

- `Scorecard` (with `KpiItem`, `CompetencyItem`, `Scale`, `Grading`) holds the frozen
  settings of a cycle; `ParticipantInput` holds one PM's actuals, ratings and adjustment.
- `scorecard_problems` / `participant_problems` (and the `validate_*` wrappers returning
  plain strings) name every broken rule; the scoring functions refuse invalid input.
- `kpi_points`, `score_participant` and `score_cycle` do the arithmetic; every
  `ParticipantScore` carries an `Explanation`, one record per step.
- `competition_ranks`, `team_competition_ranks`, `grade_by_bands` and `grades_forced`
  rank and grade rounded final scores.

Decimal precision. All arithmetic runs in a decimal context of 50 significant digits.
A quotient that does not terminate (a third, say) therefore leaves noise around the
50th digit. Values reported in explanations and scores are snapped to 30 decimal places
(and written without trailing zeros), and the final score is rounded half-up to two
decimals from that snapped value, so that noise can never tip a true ``x.xx5`` down.

Nothing scorable. When both sections drop out (every KPI excused and no competency
with a source, say) the participant has no final score: ``final_score`` is ``None``,
they get no rank, no team rank, no grade and no bonus multiplier, and do not count
towards ``N`` in the forced distribution. Their flags say why.

A section whose weight is 0 does not count while the other section has something in it:
its score is still computed and shown, and when it has nothing in it no
``section_dropped`` flag is raised. When the weighted section drops out, though, the
section of weight 0 carries its weight (SCORING.md section 4: "the other carries its
weight"), so the final score is that section's score.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from functools import lru_cache, wraps
from itertools import pairwise
from typing import ParamSpec, TypeVar

# --------------------------------------------------------------------------- constants

_PRECISION = 50
_SNAP_PLACES = 30
_SNAP = Decimal(1).scaleb(-_SNAP_PLACES)
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_ONE = Decimal(1)
_CONTEXT = Context(
    prec=_PRECISION,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_scoring_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` in the 50-digit decimal context, whatever the caller's context."""

    @wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_CONTEXT):
            return function(*args, **kwargs)

    return wrapper


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Section(StrEnum):
    KPI = "kpi"
    COMPETENCY = "competency"


class Source(StrEnum):
    SELF = "self"
    LEADER = "leader"
    PEER = "peer"


class GradingMode(StrEnum):
    BANDS = "bands"
    FORCED = "forced"


class KpiStatus(StrEnum):
    COUNTED = "counted"
    MISSING = "missing"
    EXCUSED = "excused"


class LeftOutReason(StrEnum):
    """Why a rating source did not count towards a competency item."""

    NOT_RATED = "not_rated"  # N/A: the rater answered "not observed", or did not rate
    WEIGHT_ZERO = "weight_zero"  # the source weighs 0 in this scorecard
    TOO_FEW_PEERS = "too_few_peers"  # fewer peer ratings than the minimum


DEFAULT_SECTION_WEIGHTS: Mapping[Section, Decimal] = {
    Section.KPI: Decimal(60),
    Section.COMPETENCY: Decimal(40),
}
DEFAULT_SOURCE_WEIGHTS: Mapping[Source, Decimal] = {
    Source.SELF: Decimal(20),
    Source.LEADER: Decimal(50),
    Source.PEER: Decimal(30),
}
DEFAULT_BANDS: Mapping[str, Decimal] = {
    "S": Decimal(90),
    "A": Decimal(80),
    "B": Decimal(65),
    "C": Decimal(50),
    "D": Decimal(0),
}
DEFAULT_QUOTAS: Mapping[str, Decimal] = {
    "S": Decimal(10),
    "A": Decimal(20),
    "B": Decimal(50),
    "C": Decimal(15),
    "D": Decimal(5),
}
DEFAULT_BONUS_MULTIPLIERS: Mapping[str, Decimal] = {
    "S": Decimal("1.5"),
    "A": Decimal("1.2"),
    "B": Decimal("1.0"),
    "C": Decimal("0.6"),
    "D": Decimal(0),
}
DEFAULT_MIN_PEER_RESPONSES = 3
DEFAULT_STRETCH_CAP = Decimal(120)
DEFAULT_MAX_ADJUSTMENT = Decimal(10)

# --------------------------------------------------------------------------- scorecard


@dataclass(frozen=True)
class Scale:
    """Whole-number rating scale ``lo..hi``."""

    lo: int = 1
    hi: int = 5

    def __str__(self) -> str:
        return f"{self.lo}..{self.hi}"

    def contains(self, rating: int) -> bool:
        return self.lo <= rating <= self.hi

    def normalise(self, rating: Decimal | int) -> Decimal:
        """``n(r) = 100 * (r - lo) / (hi - lo)``; 1..5 maps to 0, 25, 50, 75, 100."""
        return _HUNDRED * (Decimal(rating) - self.lo) / (self.hi - self.lo)


@dataclass(frozen=True, kw_only=True)
class KpiItem:
    """A measured result: ``threshold`` (T0), ``target`` (T1), optional ``stretch`` (T2)."""

    key: str
    direction: str
    threshold: Decimal
    target: Decimal
    stretch: Decimal | None = None
    weight: Decimal


@dataclass(frozen=True, kw_only=True)
class CompetencyItem:
    """A subjective item, rated by self, leader and peers."""

    key: str
    weight: Decimal


def _copy(mapping: Mapping) -> Callable[[], dict]:
    return lambda: dict(mapping)


@dataclass(frozen=True, kw_only=True)
class Grading:
    """Grades by score bands or by forced distribution; both tables list grades best first."""

    mode: str = GradingMode.BANDS
    bands: Mapping[str, Decimal] = field(default_factory=_copy(DEFAULT_BANDS))
    quotas: Mapping[str, Decimal] = field(default_factory=_copy(DEFAULT_QUOTAS))

    @property
    def grades(self) -> tuple[str, ...]:
        """The grades of the active mode, best first."""
        table = self.quotas if self.mode == GradingMode.FORCED else self.bands
        return tuple(table)


@dataclass(frozen=True, kw_only=True)
class Scorecard:
    """The frozen settings and items of one cycle (SCORING.md section 1, defaults in brackets)."""

    kpis: tuple[KpiItem, ...]
    competencies: tuple[CompetencyItem, ...]
    scale: Scale = Scale()
    section_weights: Mapping[Section, Decimal] = field(
        default_factory=_copy(DEFAULT_SECTION_WEIGHTS)
    )
    source_weights: Mapping[Source, Decimal] = field(default_factory=_copy(DEFAULT_SOURCE_WEIGHTS))
    min_peer_responses: int = DEFAULT_MIN_PEER_RESPONSES
    stretch_cap: Decimal = DEFAULT_STRETCH_CAP
    max_adjustment: Decimal = DEFAULT_MAX_ADJUSTMENT
    grading: Grading = field(default_factory=Grading)
    # A grade without a multiplier (a custom grade name, say) gets none: ``None``.
    bonus_multipliers: Mapping[str, Decimal] = field(
        default_factory=_copy(DEFAULT_BONUS_MULTIPLIERS)
    )


# --------------------------------------------------------------------------- participant input


@dataclass(frozen=True)
class Excused:
    """Stands in for an actual the leader excused for the period."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class CompetencyRatings:
    """The ratings of one competency item; ``None`` is N/A (left out, never a zero)."""

    self_rating: int | None = None
    leader_rating: int | None = None
    peer_ratings: tuple[int | None, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ParticipantInput:
    """One PM's inputs. A KPI key absent from ``actuals`` is missing (scores 0)."""

    id: Hashable
    team: str | None = None
    actuals: Mapping[str, Decimal | Excused] = field(default_factory=dict)
    ratings: Mapping[str, CompetencyRatings] = field(default_factory=dict)
    adjustment: Decimal = _ZERO
    adjustment_reason: str = ""


# --------------------------------------------------------------------------- explanation


@dataclass(frozen=True, kw_only=True)
class KpiStep:
    """How one KPI scored. ``progress`` is ``u = (a - T0) / (T1 - T0)``."""

    key: str
    direction: str
    threshold: Decimal
    target: Decimal
    stretch: Decimal | None
    weight: Decimal
    status: KpiStatus
    actual: Decimal | None  # None when missing or excused
    excused_reason: str
    progress: Decimal | None  # None when missing or excused
    stretch_progress: Decimal | None  # min(1, (a - T1)/(T2 - T1)) when u ≥ 1 with a stretch
    points: Decimal | None  # 0 when missing, None when excused


@dataclass(frozen=True, kw_only=True)
class SourceStep:
    """One rating source of one competency item.

    For peers, ``rating`` is the mean of the peer ratings and is only given when there are
    at least the minimum number of them: fewer would not stay anonymous.
    """

    source: Source
    weight: Decimal
    rating: Decimal | None
    response_count: int  # ratings given as numbers (N/A not counted)
    not_applicable_count: int
    normalised: Decimal | None  # n(rating)
    is_present: bool
    left_out_reason: LeftOutReason | None


@dataclass(frozen=True, kw_only=True)
class CompetencyStep:
    """How one competency item scored: ``score`` is ``None`` when no source was present."""

    key: str
    weight: Decimal
    sources: tuple[SourceStep, ...]
    score: Decimal | None

    @property
    def is_counted(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, kw_only=True)
class SectionStep:
    """One section's score and the share of the final it carried.

    ``weight`` is the configured section weight; ``weight_used`` is the percentage it
    carried after renormalising over the sections left in (0 when it did not count);
    ``item_weight_total`` is the sum of the weights of the items left in (the divisor).
    """

    section: Section
    score: Decimal | None
    weight: Decimal
    weight_used: Decimal
    item_weight_total: Decimal
    is_dropped: bool


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """Every step from inputs to the final score, in the order of SCORING.md."""

    kpis: tuple[KpiStep, ...]
    competencies: tuple[CompetencyStep, ...]
    kpi_section: SectionStep
    competency_section: SectionStep
    weighted_score: Decimal | None  # (W_q·Q + W_c·C) / (W_q + W_c), before the adjustment
    adjustment: Decimal
    adjustment_reason: str
    unclamped_score: Decimal | None  # weighted_score + adjustment
    stretch_cap: Decimal
    is_clamped: bool
    unrounded_final: Decimal | None  # after clamping to [0, CAP]
    final_score: Decimal | None  # rounded half-up to two decimals


@dataclass(frozen=True, kw_only=True)
class ParticipantScore:
    """One participant's scores; section scores unrounded, the final rounded to 2 places."""

    id: Hashable
    kpi_score: Decimal | None
    competency_score: Decimal | None
    final_score: Decimal | None
    flags: tuple[str, ...]
    explanation: Explanation


@dataclass(frozen=True, kw_only=True)
class ParticipantResult:
    """A scored participant placed in the cycle: ranks, grade and bonus multiplier."""

    id: Hashable
    team: str | None
    kpi_score: Decimal | None
    competency_score: Decimal | None
    final_score: Decimal | None
    rank: int | None
    team_rank: int | None
    grade: str | None
    bonus_multiplier: Decimal | None
    flags: tuple[str, ...]
    explanation: Explanation


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is (``kpis[2] (arpu_growth)``) and what is wrong.

    ``code`` and ``params`` say the same for a caller that words it for people (in their
    language, naming the item by its name): ``kpis.problems`` does so for the editor.
    ``params`` of an item's problem carry its ``section``, ``index`` and ``key``.
    """

    where: str
    message: str
    code: str = field(default="", compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ScoringError(ValueError):
    """Scoring was refused; ``problems`` lists every broken rule, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def __reduce__(self):  # pickled (from a scoring process) with its list, not its text
        return type(self), (self.problems,)


def _is_number(value: object) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    return _is_number(value) and (not isinstance(value, Decimal) or value.is_finite())


def _number_problem(label: str, value: object) -> str | None:
    """A message when ``value`` is not a finite decimal number (floats are refused too)."""
    if not _is_number(value):
        return f"{label} must be a decimal number, not {type(value).__name__} {value!r}"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"{label} {value} is not a finite number"
    return None


def _weight_problems(where: str, label: str, weight: object) -> list[Problem]:
    problem = _number_problem(label, weight)
    if problem:
        return [Problem(where, problem, "not_a_number", {"field": label, "value": weight})]
    if weight < 0:
        return [
            Problem(where, f"{label} {weight} must not be negative", "negative", {"field": label})
        ]
    return []


def _keyed_weights_problems(
    where: str, weights: Mapping[str, object], keys: Iterable[str], *, label: str = "weight"
) -> list[Problem]:
    keys = tuple(keys)
    problems = [
        Problem(where, f"unknown key {key!r}", "unknown_key", {"group": where, "key": key})
        for key in weights
        if key not in keys
    ]
    problems += [
        Problem(where, f"{label} for {key} is missing", "missing_key", {"group": where, "key": key})
        for key in keys
        if key not in weights
    ]
    for key in keys:
        if key in weights:
            problems += _weight_problems(f"{where}.{key}", label, weights[key])
    if not problems:
        total = sum(weights[key] for key in keys)
        if total != _HUNDRED:
            problems.append(
                Problem(
                    where,
                    f"{label}s sum to {total}, not 100",
                    "sum",
                    {"group": where, "total": total},
                )
            )
    return problems


def _scale_problems(scale: Scale) -> list[Problem]:
    is_whole = all(
        isinstance(end, int) and not isinstance(end, bool) for end in (scale.lo, scale.hi)
    )
    if not is_whole:
        return [
            Problem(
                "scale", f"lo {scale.lo!r} and hi {scale.hi!r} must be whole numbers", "scale_whole"
            )
        ]
    if scale.lo >= scale.hi:
        return [
            Problem(
                "scale",
                f"lo {scale.lo} must be below hi {scale.hi}",
                "scale_order",
                {"lo": scale.lo, "hi": scale.hi},
            )
        ]
    return []


def _settings_problems(card: Scorecard) -> list[Problem]:
    problems = _scale_problems(card.scale)
    problems += _keyed_weights_problems("section_weights", card.section_weights, Section)
    problems += _keyed_weights_problems("source_weights", card.source_weights, Source)
    peers = card.min_peer_responses
    if not isinstance(peers, int) or isinstance(peers, bool) or peers < 1:
        problems.append(
            Problem(
                "min_peer_responses",
                f"must be a whole number of at least 1, not {peers!r}",
                "min_peer_responses",
            )
        )
    cap_problem = _number_problem("stretch cap", card.stretch_cap)
    if cap_problem:
        problems.append(Problem("stretch_cap", cap_problem, "stretch_cap"))
    elif card.stretch_cap < _HUNDRED:
        problems.append(
            Problem("stretch_cap", f"must be at least 100, not {card.stretch_cap}", "stretch_cap")
        )
    problems += _weight_problems("max_adjustment", "maximum adjustment", card.max_adjustment)
    return problems


def _bands_problems(bands: Mapping[str, object]) -> list[Problem]:
    if not bands:
        return [Problem("grading.bands", "there are no grades", "no_grades")]
    problems: list[Problem] = []
    for grade, minimum in bands.items():
        problems += _weight_problems(f"grading.bands.{grade}", "minimum", minimum)
    if problems:
        return problems
    grades = list(bands.items())
    for (better, better_minimum), (grade, minimum) in pairwise(grades):
        if minimum >= better_minimum:
            problems.append(
                Problem(
                    f"grading.bands.{grade}",
                    f"minimum {minimum} must be below {better}'s minimum {better_minimum} "
                    "(grades are listed best first)",
                    "band_order",
                    {
                        "grade": grade,
                        "minimum": minimum,
                        "better": better,
                        "better_minimum": better_minimum,
                    },
                )
            )
    lowest_grade, lowest = grades[-1]
    if lowest != 0:
        problems.append(
            Problem(
                f"grading.bands.{lowest_grade}",
                f"the lowest grade must start at 0, not {lowest}, so that every score gets a grade",
                "lowest_band",
                {"grade": lowest_grade, "minimum": lowest},
            )
        )
    return problems


def _quotas_problems(quotas: Mapping[str, object]) -> list[Problem]:
    if not quotas:
        return [Problem("grading.quotas", "there are no grades", "no_grades")]
    problems: list[Problem] = []
    for grade, quota in quotas.items():
        problems += _weight_problems(f"grading.quotas.{grade}", "quota", quota)
    if not problems:
        total = sum(quotas.values())
        if total != _HUNDRED:
            problems.append(
                Problem(
                    "grading.quotas",
                    f"quotas sum to {total}, not 100",
                    "sum",
                    {"group": "grading.quotas", "total": total},
                )
            )
    return problems


def _grading_problems(card: Scorecard) -> list[Problem]:
    grading = card.grading
    if grading.mode == GradingMode.BANDS:
        problems = _bands_problems(grading.bands)
    elif grading.mode == GradingMode.FORCED:
        problems = _quotas_problems(grading.quotas)
    else:
        problems = [
            Problem("grading.mode", f"{grading.mode!r} must be 'bands' or 'forced'", "grading_mode")
        ]
    if grading.mode in tuple(GradingMode):
        problems += [
            Problem("grading", f"grade {grade!r} must be a non-empty name", "grade_name")
            for grade in grading.grades
            if not isinstance(grade, str) or not grade.strip()
        ]
    for grade, multiplier in card.bonus_multipliers.items():
        problems += _weight_problems(f"bonus_multipliers.{grade}", "multiplier", multiplier)
    return problems


def _kpi_item_problems(item: KpiItem, where: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(item.key, str) or not item.key.strip():
        problems.append(Problem(where, "key must not be empty", "item_key"))
    is_known_direction = item.direction in tuple(Direction)
    if not is_known_direction:
        problems.append(
            Problem(where, f"direction {item.direction!r} must be 'higher' or 'lower'", "direction")
        )
    values = {"threshold": item.threshold, "target": item.target}
    if item.stretch is not None:
        values["stretch"] = item.stretch
    number_problems = {name: _number_problem(name, value) for name, value in values.items()}
    problems += [
        Problem(where, problem, "not_a_number", {"field": name, "value": values[name]})
        for name, problem in number_problems.items()
        if problem
    ]
    problems += _weight_problems(where, "weight", item.weight)
    if is_known_direction and not any(number_problems.values()):
        problems += [
            Problem(where, problem, code, {**params, "direction": item.direction})
            for problem, code, params in _kpi_order_problems(item)
        ]
    return problems


def _kpi_order_problems(item: KpiItem) -> list[tuple[str, str, dict]]:
    """Higher is better requires T0 < T1 < T2; lower is better requires T0 > T1 > T2.
    Each problem as (message, code, params)."""
    if item.direction == Direction.HIGHER:
        kind, is_beyond, threshold_side, stretch_side = "higher", _gt, "below", "above"
    else:
        kind, is_beyond, threshold_side, stretch_side = "lower", _lt, "above", "below"
    problems = []
    if not is_beyond(item.target, item.threshold):
        problems.append(
            (
                (
                    f"threshold {item.threshold} must be {threshold_side} target {item.target} "
                    f"for a {kind}-is-better KPI"
                ),
                "threshold_order",
                {"threshold": item.threshold, "target": item.target},
            )
        )
    if item.stretch is not None and not is_beyond(item.stretch, item.target):
        problems.append(
            (
                (
                    f"stretch {item.stretch} must be {stretch_side} target {item.target} "
                    f"for a {kind}-is-better KPI"
                ),
                "stretch_order",
                {"stretch": item.stretch, "target": item.target},
            )
        )
    return problems


def _gt(left: Decimal, right: Decimal) -> bool:
    return left > right


def _lt(left: Decimal, right: Decimal) -> bool:
    return left < right


def _item_label(section: str, index: int, key: object) -> str:
    return (
        f"{section}[{index}] ({key})"
        if isinstance(key, str) and key.strip()
        else f"{section}[{index}]"
    )


def _items_problems(
    section: str,
    items: Sequence[KpiItem | CompetencyItem],
    section_weight: object,
    item_problems: Callable,
) -> list[Problem]:
    problems: list[Problem] = []
    first_use: dict[str, str] = {}
    for index, item in enumerate(items):
        where = _item_label(section, index, item.key)
        at = {"section": section, "index": index, "key": item.key}
        problems += [
            replace(problem, params={**problem.params, **at})
            for problem in item_problems(item, where)
        ]
        if item.key in first_use:
            problems.append(
                Problem(
                    where,
                    f"key {item.key} is already used by {first_use[item.key]}",
                    "duplicate_item",
                    at,
                )
            )
        else:
            first_use[item.key] = f"{section}[{index}]"
    weights = [item.weight for item in items]
    if not all(_is_finite_number(weight) for weight in weights):
        return problems
    if not items:
        if _is_finite_number(section_weight) and section_weight > 0:
            problems.append(
                Problem(
                    section,
                    f"there are no items, but the section weight is {section_weight}",
                    "no_items",
                    {"section": section, "weight": section_weight},
                )
            )
    elif sum(weights) != _HUNDRED:
        problems.append(
            Problem(
                section,
                f"item weights sum to {sum(weights)}, not 100",
                "sum",
                {"group": section, "total": sum(weights)},
            )
        )
    return problems


def _competency_item_problems(item: CompetencyItem, where: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(item.key, str) or not item.key.strip():
        problems.append(Problem(where, "key must not be empty", "item_key"))
    return problems + _weight_problems(where, "weight", item.weight)


@_in_scoring_context
def scorecard_problems(card: Scorecard) -> list[Problem]:
    """Every rule of SCORING.md section 1 and 5 the scorecard breaks, each naming its item."""
    problems = _settings_problems(card)
    problems += _grading_problems(card)
    problems += _items_problems(
        "kpis", card.kpis, card.section_weights.get(Section.KPI), _kpi_item_problems
    )
    problems += _items_problems(
        "competencies",
        card.competencies,
        card.section_weights.get(Section.COMPETENCY),
        _competency_item_problems,
    )
    return problems


def _rating_problem(card: Scorecard, rating: object) -> str | None:
    if rating is None:
        return None
    if not isinstance(rating, int) or isinstance(rating, bool):
        return f"{rating!r} is not a whole number"
    if not card.scale.contains(rating):
        return f"{rating} is off the scale {card.scale}"
    return None


def _rating_params(card: Scorecard, key: str, source: str, rating: object) -> dict:
    return {
        "key": key,
        "source": source,
        "rating": rating,
        "lo": card.scale.lo,
        "hi": card.scale.hi,
    }


def _actuals_problems(card: Scorecard, participant: ParticipantInput, where: str) -> list[Problem]:
    kpi_keys = {item.key for item in card.kpis}
    problems: list[Problem] = []
    for key, actual in participant.actuals.items():
        at = f"{where}.actuals.{key}"
        if key not in kpi_keys:
            problems.append(
                Problem(
                    at, f"there is no KPI {key!r} in the scorecard", "unknown_kpi", {"key": key}
                )
            )
        elif isinstance(actual, Excused):
            if not isinstance(actual.reason, str) or not actual.reason.strip():
                problems.append(
                    Problem(at, "excused without a reason", "excused_without_reason", {"key": key})
                )
        else:
            problem = _number_problem("actual", actual)
            if problem:
                problems.append(Problem(at, problem, "actual_not_a_number", {"key": key}))
    return problems


def _ratings_are_valid(scale: Scale, ratings: CompetencyRatings) -> bool:
    lo, hi = scale.lo, scale.hi
    for rating in (ratings.self_rating, ratings.leader_rating, *ratings.peer_ratings):
        # A plain loop: this runs for every rated item of every PM (200,000 at 10,000 PMs).
        if rating is not None and not (type(rating) is int and lo <= rating <= hi):
            return False
    return True


def _ratings_problems(card: Scorecard, participant: ParticipantInput, where: str) -> list[Problem]:
    competency_keys = {item.key for item in card.competencies}
    problems: list[Problem] = []
    for key, ratings in participant.ratings.items():
        at = f"{where}.ratings.{key}"
        if key not in competency_keys:
            problems.append(
                Problem(
                    at,
                    f"there is no competency {key!r} in the scorecard",
                    "unknown_competency",
                    {"key": key},
                )
            )
            continue
        if _ratings_are_valid(card.scale, ratings):
            continue  # the common case, checked without building a location per rating
        located = [
            (f"{at}.self", Source.SELF, ratings.self_rating),
            (f"{at}.leader", Source.LEADER, ratings.leader_rating),
        ]
        located += [
            (f"{at}.peers[{index}]", Source.PEER, rating)
            for index, rating in enumerate(ratings.peer_ratings)
        ]
        for rating_at, source, rating in located:
            problem = _rating_problem(card, rating)
            if problem:
                problems.append(
                    Problem(rating_at, problem, "rating", _rating_params(card, key, source, rating))
                )
    return problems


def _adjustment_problems(
    card: Scorecard, participant: ParticipantInput, where: str
) -> list[Problem]:
    at = f"{where}.adjustment"
    adjustment = participant.adjustment
    problem = _number_problem("adjustment", adjustment)
    if problem:
        return [Problem(at, problem, "adjustment_not_a_number")]
    problems = []
    if _is_finite_number(card.max_adjustment) and abs(adjustment) > card.max_adjustment:
        problems.append(
            Problem(
                at,
                f"{adjustment} is beyond the maximum adjustment of {card.max_adjustment} "
                "either way",
                "adjustment_beyond",
                {"adjustment": adjustment, "maximum": card.max_adjustment},
            )
        )
    reason = participant.adjustment_reason
    if adjustment != 0 and (not isinstance(reason, str) or not reason.strip()):
        problems.append(
            Problem(at, "a reason is required when the adjustment is not 0", "adjustment_reason")
        )
    return problems


@_in_scoring_context
def participant_problems(
    card: Scorecard, participant: ParticipantInput, *, where: str
) -> list[Problem]:
    """Every rule one participant's inputs break; ``where`` labels the participant."""
    problems: list[Problem] = []
    if participant.id is None or (isinstance(participant.id, str) and not participant.id.strip()):
        problems.append(Problem(f"{where}.id", "must not be empty", "participant_id"))
    problems += _actuals_problems(card, participant, where)
    problems += _ratings_problems(card, participant, where)
    problems += _adjustment_problems(card, participant, where)
    return [
        replace(problem, params={**problem.params, "participant": participant.id})
        for problem in problems
    ]


def participant_label(participant: ParticipantInput) -> str:
    return f"participant ({participant.id})"


def validate_scorecard(card: Scorecard) -> list[str]:
    """One message per broken rule, e.g. ``kpis: item weights sum to 95, not 100``."""
    return [str(problem) for problem in scorecard_problems(card)]


def validate_participant(card: Scorecard, participant: ParticipantInput) -> list[str]:
    """One message per broken rule, e.g. ``participant (lin).ratings.collab.peers[1]: 7 is off
    the scale 1..5``."""
    where = participant_label(participant)
    return [str(problem) for problem in participant_problems(card, participant, where=where)]


def validate_cycle(card: Scorecard, participants: Sequence[ParticipantInput]) -> list[str]:
    """The scorecard's problems, then each participant's, then ids used more than once."""
    problems = validate_scorecard(card)
    for participant in participants:
        problems += validate_participant(card, participant)
    return problems + duplicate_id_problems(participants)


def duplicate_id_problems(participants: Sequence[ParticipantInput]) -> list[str]:
    """A problem for each participant whose id an earlier one already has."""
    problems = []
    seen: set[Hashable] = set()
    for participant in participants:
        if participant.id in seen:
            problems.append(f"{participant_label(participant)}: the id appears more than once")
        seen.add(participant.id)
    return problems


# --------------------------------------------------------------------------- decimal helpers


@lru_cache(maxsize=65_536)
def _tidy(value: Decimal) -> Decimal:
    """Snap to 30 decimal places and drop trailing zeros (``75.4750`` → ``75.475``).

    Memoised: a cycle repeats the same few values endlessly (a rating of 4 is always 75),
    and equal decimals give equal results whatever their exponent. Always called inside
    the scoring context, so the cached results were computed with the same precision."""
    if value.is_zero():
        return _ZERO
    if value.adjusted() < _PRECISION - _SNAP_PLACES:
        value = value.quantize(_SNAP, rounding=ROUND_HALF_EVEN)
        if value.is_zero():
            return _ZERO
    normal = value.normalize()
    if normal.as_tuple().exponent > 0 and normal.adjusted() < _PRECISION:
        return normal.quantize(_ONE)
    return normal


def _tidy_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else _tidy(value)


@_in_scoring_context
def round_score(value: Decimal) -> Decimal:
    """Round half-up to two decimals (``75.475`` → ``75.48``), after snapping away noise."""
    return _tidy(Decimal(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """``Σ w·v / Σ w``, or ``None`` when nothing carries weight."""
    pairs = list(pairs)
    total_weight = sum((weight for weight, _ in pairs), _ZERO)
    if total_weight == 0:
        return None
    return sum((weight * value for weight, value in pairs), _ZERO) / total_weight


# --------------------------------------------------------------------------- KPI points


@dataclass(frozen=True)
class _Points:
    progress: Decimal
    stretch_progress: Decimal | None
    points: Decimal


def _kpi_points_parts(item: KpiItem, actual: Decimal, stretch_cap: Decimal) -> _Points:
    """SCORING.md section 2, unrounded. Cases are chosen by comparing the actual with the
    threshold and target directly, so rounding in ``u`` can never pick the wrong row."""
    actual = Decimal(actual)
    try:
        progress = (actual - item.threshold) / (item.target - item.threshold)
    except Overflow:
        progress = None  # astronomically far from the target: the comparisons decide
    is_beyond_or_at = _at_or_above if item.direction == Direction.HIGHER else _at_or_below
    if not is_beyond_or_at(actual, item.threshold):
        return _Points(progress, None, _ZERO)
    if not is_beyond_or_at(actual, item.target):
        return _Points(progress, None, 50 + 50 * progress)
    if item.stretch is None:
        return _Points(progress, None, _HUNDRED)
    if is_beyond_or_at(actual, item.stretch):
        stretch_progress = _ONE
    else:
        stretch_progress = (actual - item.target) / (item.stretch - item.target)
    return _Points(
        progress, stretch_progress, _HUNDRED + (stretch_cap - _HUNDRED) * stretch_progress
    )


def _at_or_above(actual: Decimal, mark: Decimal) -> bool:
    return actual >= mark


def _at_or_below(actual: Decimal, mark: Decimal) -> bool:
    return actual <= mark


@_in_scoring_context
def kpi_points(
    item: KpiItem, actual: Decimal, stretch_cap: Decimal = DEFAULT_STRETCH_CAP
) -> Decimal:
    """Points for one actual (SCORING.md section 2): 0 below the threshold, 50..100 up to
    the target, then up to ``stretch_cap`` at the stretch. Assumes a valid item."""
    return _tidy(_kpi_points_parts(item, actual, stretch_cap).points)


# --------------------------------------------------------------------------- scoring steps


@dataclass(frozen=True)
class _Scored:
    """A step record with the unrounded value that feeds the next step."""

    step: KpiStep | CompetencyStep
    value: Decimal | None


def _score_kpi(item: KpiItem, actual: Decimal | Excused | None, stretch_cap: Decimal) -> _Scored:
    common = {
        "key": item.key,
        "direction": item.direction,
        "threshold": item.threshold,
        "target": item.target,
        "stretch": item.stretch,
        "weight": item.weight,
    }
    if actual is None:
        step = KpiStep(
            **common,
            status=KpiStatus.MISSING,
            actual=None,
            excused_reason="",
            progress=None,
            stretch_progress=None,
            points=_ZERO,
        )
        return _Scored(step, _ZERO)
    if isinstance(actual, Excused):
        step = KpiStep(
            **common,
            status=KpiStatus.EXCUSED,
            actual=None,
            excused_reason=actual.reason,
            progress=None,
            stretch_progress=None,
            points=None,
        )
        return _Scored(step, None)
    parts = _kpi_points_parts(item, actual, stretch_cap)
    progress, stretch_progress = parts.progress, parts.stretch_progress
    step = KpiStep(
        **common,
        status=KpiStatus.COUNTED,
        actual=Decimal(actual),
        excused_reason="",
        progress=None if progress is None else _tidy(progress),
        stretch_progress=None if stretch_progress is None else _tidy(stretch_progress),
        points=_tidy(parts.points),
    )
    return _Scored(step, parts.points)


def _single_source(
    card: Scorecard, source: Source, rating: int | None
) -> tuple[SourceStep, Decimal | None]:
    weight = card.source_weights[source]
    normalised = None if rating is None else card.scale.normalise(rating)
    if weight == 0:
        reason = LeftOutReason.WEIGHT_ZERO
    elif rating is None:
        reason = LeftOutReason.NOT_RATED
    else:
        reason = None
    step = SourceStep(
        source=source,
        weight=weight,
        rating=None if rating is None else Decimal(rating),
        response_count=0 if rating is None else 1,
        not_applicable_count=1 if rating is None else 0,
        normalised=_tidy_or_none(normalised),
        is_present=reason is None,
        left_out_reason=reason,
    )
    return step, normalised if reason is None else None


def _peer_source(
    card: Scorecard, peer_ratings: Sequence[int | None]
) -> tuple[SourceStep, Decimal | None]:
    weight = card.source_weights[Source.PEER]
    given = [rating for rating in peer_ratings if rating is not None]
    has_enough = len(given) >= card.min_peer_responses
    mean = Decimal(sum(given)) / len(given) if has_enough else None
    normalised = None if mean is None else card.scale.normalise(mean)
    if weight == 0:
        reason = LeftOutReason.WEIGHT_ZERO
    elif not has_enough:
        reason = LeftOutReason.TOO_FEW_PEERS
    else:
        reason = None
    step = SourceStep(
        source=Source.PEER,
        weight=weight,
        rating=_tidy_or_none(mean),
        response_count=len(given),
        not_applicable_count=len(peer_ratings) - len(given),
        normalised=_tidy_or_none(normalised),
        is_present=reason is None,
        left_out_reason=reason,
    )
    return step, normalised if reason is None else None


def _competency_sources(
    card: Scorecard,
    self_rating: int | None,
    leader_rating: int | None,
    peer_ratings: tuple[int | None, ...],
) -> tuple[tuple[SourceStep, ...], Decimal | None]:
    """The sources and unrounded score of one competency item."""
    sources = [
        _single_source(card, Source.SELF, self_rating),
        _single_source(card, Source.LEADER, leader_rating),
        _peer_source(card, peer_ratings),
    ]
    score = _weighted_mean((step.weight, value) for step, value in sources if value is not None)
    return tuple(step for step, _ in sources), score


def _none_last(rating: int | None) -> tuple[bool, int]:
    return rating is None, rating or 0


class _CompetencyMemo:
    """Scored competency items of one run, one per distinct (item, ratings).

    On a small scale with a handful of raters, a cycle of thousands of PMs has only a few
    thousand distinct combinations per item, so most items are looked up, not computed.
    The peer source depends only on how many peers gave which rating, so the peer
    ratings are keyed sorted. Entries are frozen steps, shared between PMs."""

    def __init__(self, card: Scorecard) -> None:
        self.card = card
        self.sources: dict[tuple, tuple[tuple[SourceStep, ...], Decimal | None]] = {}
        self.items: dict[tuple, tuple[_Scored, tuple[str, ...]]] = {}

    def score(
        self, item: CompetencyItem, ratings: CompetencyRatings
    ) -> tuple[_Scored, tuple[str, ...]]:
        """``cⱼ = Σ w_src · n(r_src) / Σ w_src`` over the sources present, and the item's
        flags."""
        peers = ratings.peer_ratings
        peers = tuple(sorted(peers) if None not in peers else sorted(peers, key=_none_last))
        given = (ratings.self_rating, ratings.leader_rating, peers)
        key = (item.key, item.weight, given)
        scored = self.items.get(key)
        if scored is None:
            found = self.sources.get(given)
            if found is None:
                found = self.sources[given] = _competency_sources(self.card, *given)
            sources, score = found
            step = CompetencyStep(
                key=item.key, weight=item.weight, sources=sources, score=_tidy_or_none(score)
            )
            scored = self.items[key] = (_Scored(step, score), tuple(_competency_flags([step])))
        return scored


def _section_items(scored: Sequence[_Scored]) -> tuple[Decimal | None, Decimal]:
    """The section score over the items left in, and the sum of their weights."""
    left_in = [(item.step.weight, item.value) for item in scored if item.value is not None]
    total = sum((weight for weight, _ in left_in), _ZERO)
    return _weighted_mean(left_in), total


def _kpi_flags(steps: Iterable[KpiStep]) -> list[str]:
    return [
        f"{step.status}:{step.key}"
        for step in steps
        if step.status in (KpiStatus.MISSING, KpiStatus.EXCUSED)
    ]


def _competency_flags(steps: Iterable[CompetencyStep]) -> list[str]:
    flags = []
    for step in steps:
        if any(source.left_out_reason == LeftOutReason.TOO_FEW_PEERS for source in step.sources):
            flags.append(f"peer_below_minimum:{step.key}")
        if step.score is None:
            flags.append(f"no_source:{step.key}")
    return flags


def _score_valid_participant(
    card: Scorecard, participant: ParticipantInput, memo: _CompetencyMemo | None = None
) -> ParticipantScore:
    memo = memo or _CompetencyMemo(card)
    kpis = [
        _score_kpi(item, participant.actuals.get(item.key), card.stretch_cap) for item in card.kpis
    ]
    no_ratings = CompetencyRatings()
    scored_competencies = [
        memo.score(item, participant.ratings.get(item.key, no_ratings))
        for item in card.competencies
    ]
    competencies = [scored for scored, _ in scored_competencies]
    kpi_score, kpi_weight_total = _section_items(kpis)
    competency_score, competency_weight_total = _section_items(competencies)

    section_scores = {Section.KPI: kpi_score, Section.COMPETENCY: competency_score}
    present = {section: score for section, score in section_scores.items() if score is not None}
    counted = {
        section: score for section, score in present.items() if card.section_weights[section] > 0
    }
    if not counted and present:
        # SCORING.md section 4: a section with nothing left in it drops out and the other
        # carries its weight, even when the other's own weight is 0.
        counted = present
    counted_weight = sum((card.section_weights[section] for section in counted), _ZERO)
    if counted and counted_weight == 0:
        (weighted,) = counted.values()
    else:
        weighted = _weighted_mean(
            (card.section_weights[section], score) for section, score in counted.items()
        )

    def section_step(section: Section, item_weight_total: Decimal) -> SectionStep:
        weight = card.section_weights[section]
        is_counted = section in counted
        return SectionStep(
            section=section,
            score=_tidy_or_none(section_scores[section]),
            weight=weight,
            weight_used=(
                (_tidy(_HUNDRED * weight / counted_weight) if counted_weight else _HUNDRED)
                if is_counted
                else _ZERO
            ),
            item_weight_total=item_weight_total,
            is_dropped=section_scores[section] is None,
        )

    adjustment = Decimal(participant.adjustment)
    unclamped = None if weighted is None else weighted + adjustment
    clamped = None if unclamped is None else min(max(unclamped, _ZERO), Decimal(card.stretch_cap))
    unrounded_final = _tidy_or_none(clamped)
    final_score = None if unrounded_final is None else round_score(unrounded_final)

    kpi_steps = tuple(item.step for item in kpis)
    competency_steps = tuple(item.step for item in competencies)
    flags = _kpi_flags(kpi_steps)
    flags += [flag for _, item_flags in scored_competencies for flag in item_flags]
    flags += [
        f"section_dropped:{section}"
        for section, score in section_scores.items()
        if score is None and card.section_weights[section] > 0
    ]
    explanation = Explanation(
        kpis=kpi_steps,
        competencies=competency_steps,
        kpi_section=section_step(Section.KPI, kpi_weight_total),
        competency_section=section_step(Section.COMPETENCY, competency_weight_total),
        weighted_score=_tidy_or_none(weighted),
        adjustment=_tidy(adjustment),
        adjustment_reason=participant.adjustment_reason,
        unclamped_score=_tidy_or_none(unclamped),
        stretch_cap=card.stretch_cap,
        is_clamped=clamped is not None and clamped != unclamped,
        unrounded_final=unrounded_final,
        final_score=final_score,
    )
    return ParticipantScore(
        id=participant.id,
        kpi_score=_tidy_or_none(kpi_score),
        competency_score=_tidy_or_none(competency_score),
        final_score=final_score,
        flags=tuple(flags),
        explanation=explanation,
    )


@_in_scoring_context
def score_participant(card: Scorecard, participant: ParticipantInput) -> ParticipantScore:
    """Score one participant (SCORING.md sections 2 to 4).

    Section scores are unrounded; ``final_score`` is made from them, clamped to
    ``[0, CAP]`` and rounded half-up to two decimals. ``final_score`` is ``None`` when
    both sections drop out (nothing scorable). Raises `ScoringError` on invalid input.
    """
    problems = validate_scorecard(card) + validate_participant(card, participant)
    if problems:
        raise ScoringError(problems)
    return _score_valid_participant(card, participant)


# --------------------------------------------------------------------------- ranks and grades

_Id = TypeVar("_Id", bound=Hashable)


def competition_ranks(scores: Mapping[_Id, Decimal]) -> dict[_Id, int]:
    """Competition ranking, highest first ("1, 2, 2, 4"): one plus the number of others
    scoring strictly higher."""
    ordered = sorted(scores.values(), reverse=True)
    first_place: dict[Decimal, int] = {}
    for index, score in enumerate(ordered):
        first_place.setdefault(score, index + 1)
    return {participant: first_place[score] for participant, score in scores.items()}


def team_competition_ranks(
    scores: Mapping[_Id, Decimal], teams: Mapping[_Id, str | None]
) -> dict[_Id, int]:
    """Competition ranks within each team; participants without a team get none."""
    by_team: dict[str, dict[_Id, Decimal]] = {}
    for participant, score in scores.items():
        team = teams.get(participant)
        if team:
            by_team.setdefault(team, {})[participant] = score
    ranks: dict[_Id, int] = {}
    for team_scores in by_team.values():
        ranks.update(competition_ranks(team_scores))
    return ranks


def grade_by_bands(score: Decimal, bands: Mapping[str, Decimal]) -> str:
    """The first grade (best first) whose minimum the score reaches; below every band,
    the last grade (a valid scorecard's last band starts at 0, so this does not arise)."""
    for grade, minimum in bands.items():
        if score >= minimum:
            return grade
    return list(bands)[-1]


def grades_forced(scores: Mapping[_Id, Decimal], quotas: Mapping[str, Decimal]) -> dict[_Id, str]:
    """Forced distribution (SCORING.md section 5).

    With ``N`` scored participants, one with ``k`` others scoring strictly higher gets the
    first grade whose cumulative quota ``cum`` satisfies ``k·100 < N·cum``; ties therefore
    share the better grade. Exact integer and decimal arithmetic only.
    """
    count = len(scores)
    cumulative: list[tuple[str, Decimal]] = []
    running = _ZERO
    for grade, quota in quotas.items():
        running += Decimal(quota)
        cumulative.append((grade, running))
    ranks = competition_ranks(scores)
    grades: dict[_Id, str] = {}
    for participant, rank in ranks.items():
        higher = rank - 1
        grades[participant] = next(
            (grade for grade, cum in cumulative if higher * 100 < count * cum),
            cumulative[-1][0],
        )
    return grades


def _grades(grading: Grading, finals: Mapping[_Id, Decimal]) -> dict[_Id, str]:
    if grading.mode == GradingMode.FORCED:
        return grades_forced(finals, grading.quotas)
    return {
        participant: grade_by_bands(score, grading.bands) for participant, score in finals.items()
    }


@_in_scoring_context
def score_valid_participants(
    card: Scorecard, participants: Sequence[ParticipantInput]
) -> list[ParticipantScore]:
    """Score participants whose inputs `validate_cycle` has accepted, in input order.

    The scored competency items are shared between participants (one memo per call), so
    score a cycle's participants in as few calls as possible."""
    memo = _CompetencyMemo(card)
    return [_score_valid_participant(card, participant, memo) for participant in participants]


@dataclass(frozen=True, kw_only=True)
class Placing:
    """Where a scored participant stands in the cycle."""

    rank: int
    team_rank: int | None
    grade: str
    bonus_multiplier: Decimal | None


@_in_scoring_context
def place_cycle(
    card: Scorecard, finals: Mapping[_Id, Decimal], teams: Mapping[_Id, str | None]
) -> dict[_Id, Placing]:
    """Rank (cycle and team) and grade the participants with a final score, by it.

    Participants without a final score (nothing scorable) are left out: they have no
    rank, team rank, grade or bonus multiplier."""
    ranks = competition_ranks(finals)
    team_ranks = team_competition_ranks(finals, teams)
    grades = _grades(card.grading, finals)
    return {
        participant: Placing(
            rank=ranks[participant],
            team_rank=team_ranks.get(participant),
            grade=grades[participant],
            bonus_multiplier=card.bonus_multipliers.get(grades[participant]),
        )
        for participant in finals
    }


@_in_scoring_context
def score_cycle(
    card: Scorecard, participants: Sequence[ParticipantInput]
) -> list[ParticipantResult]:
    """Score, rank and grade every participant; results in input order.

    Ranks (cycle and team) and grades use the rounded final score. A participant with
    nothing scorable has no rank, team rank, grade or bonus multiplier. Raises
    `ScoringError` listing every problem when the scorecard or any input is invalid.
    """
    problems = validate_cycle(card, participants)
    if problems:
        raise ScoringError(problems)
    scores = score_valid_participants(card, participants)
    finals = {score.id: score.final_score for score in scores if score.final_score is not None}
    placings = place_cycle(card, finals, {p.id: p.team for p in participants})
    results = []
    for participant, score in zip(participants, scores, strict=True):
        placing = placings.get(participant.id)
        results.append(
            ParticipantResult(
                id=participant.id,
                team=participant.team,
                kpi_score=score.kpi_score,
                competency_score=score.competency_score,
                final_score=score.final_score,
                rank=None if placing is None else placing.rank,
                team_rank=None if placing is None else placing.team_rank,
                grade=None if placing is None else placing.grade,
                bonus_multiplier=None if placing is None else placing.bonus_multiplier,
                flags=score.flags,
                explanation=score.explanation,
            )
        )
    return results

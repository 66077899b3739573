"""Properties of kpis.scoring that hold for every valid scorecard and input (hypothesis)."""

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.scoring import (
    CompetencyItem,
    CompetencyRatings,
    Excused,
    Grading,
    KpiItem,
    ParticipantInput,
    Scale,
    Scorecard,
    Section,
    Source,
    competition_ranks,
    grade_by_bands,
    grades_forced,
    kpi_points,
    round_score,
    score_cycle,
    score_participant,
    validate_scorecard,
)

# Generating a whole scorecard and its inputs costs a few milliseconds an example, so those
# tests run fewer examples; together the file stays under 10 s. Strategies are built once,
# at import, and objects are assembled from the values drawn.
EXAMPLES = settings(max_examples=200, deadline=None)
SCORECARD_EXAMPLES = settings(max_examples=75, deadline=None)


def _hundredths(count: int) -> Decimal:
    return Decimal(count) / 100


amounts = st.integers(-100_000, 100_000).map(_hundredths)
gaps = st.integers(1, 50_000).map(_hundredths)
kpi_shapes = st.tuples(st.sampled_from(["higher", "lower"]), amounts, gaps, st.none() | gaps)
weight_cuts = {
    count: st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)
    for count in range(1, 6)
}
item_counts = st.integers(1, 5)
rating_offsets = st.none() | st.integers(0, 9)  # None is N/A; an offset is folded onto the scale
rating_shapes = st.tuples(rating_offsets, rating_offsets, st.lists(rating_offsets, max_size=6))
ON_LEAVE = Excused("on leave")
actual_choices = st.one_of(amounts, st.none(), st.just(ON_LEAVE))  # None: missing
adjustment_hundredths = st.integers(-2_000, 2_000)
teams = st.sampled_from(["growth", "platform", None])


def kpi_item(key: str, weight: Decimal, shape: tuple) -> KpiItem:
    direction, threshold, target_gap, stretch_gap = shape
    sign = 1 if direction == "higher" else -1
    target = threshold + sign * target_gap
    return KpiItem(
        key=key,
        direction=direction,
        threshold=threshold,
        target=target,
        stretch=None if stretch_gap is None else target + sign * stretch_gap,
        weight=weight,
    )


kpi_items = kpi_shapes.map(lambda shape: kpi_item("kpi", Decimal(0), shape))


def weights_from_cuts(cuts: list[int]) -> list[Decimal]:
    """Non-negative whole weights summing to 100, cut at ``cuts``."""
    bounds = [0, *sorted(cuts), 100]
    return [Decimal(high - low) for low, high in pairwise(bounds)]


@st.composite
def scorecards(draw) -> Scorecard:
    kpi_weights = weights_from_cuts(draw(weight_cuts[draw(item_counts)]))
    competency_weights = weights_from_cuts(draw(weight_cuts[draw(item_counts)]))
    kpi_section, competency_section = weights_from_cuts(draw(weight_cuts[2]))
    self_weight, leader_weight, peer_weight = weights_from_cuts(draw(weight_cuts[3]))
    lo = draw(st.integers(0, 3))
    card = Scorecard(
        kpis=tuple(
            kpi_item(f"kpi{index}", weight, draw(kpi_shapes))
            for index, weight in enumerate(kpi_weights)
        ),
        competencies=tuple(
            CompetencyItem(key=f"competency{index}", weight=weight)
            for index, weight in enumerate(competency_weights)
        ),
        scale=Scale(lo=lo, hi=lo + draw(st.integers(1, 9))),
        section_weights={Section.KPI: kpi_section, Section.COMPETENCY: competency_section},
        source_weights={
            Source.SELF: self_weight,
            Source.LEADER: leader_weight,
            Source.PEER: peer_weight,
        },
        min_peer_responses=draw(st.integers(1, 4)),
        stretch_cap=Decimal(draw(st.integers(100, 200))),
        max_adjustment=Decimal(draw(st.integers(0, 20))),
        grading=Grading(mode=draw(st.sampled_from(["bands", "forced"]))),
    )
    assert validate_scorecard(card) == []
    return card


def ratings_on(scale: Scale, shape: tuple) -> CompetencyRatings:
    span = scale.hi - scale.lo + 1

    def on_scale(offset: int | None) -> int | None:
        return None if offset is None else scale.lo + offset % span

    self_offset, leader_offset, peer_offsets = shape
    return CompetencyRatings(
        self_rating=on_scale(self_offset),
        leader_rating=on_scale(leader_offset),
        peer_ratings=tuple(on_scale(offset) for offset in peer_offsets),
    )


@st.composite
def participants_for(draw, card: Scorecard, participant_id: str = "pm") -> ParticipantInput:
    actuals = {}
    for item in card.kpis:
        actual = draw(actual_choices)
        if actual is not None:
            actuals[item.key] = actual
    ratings = {
        item.key: ratings_on(card.scale, draw(rating_shapes))
        for item in card.competencies
        if draw(st.booleans())
    }
    bound = card.max_adjustment
    adjustment = max(-bound, min(bound, _hundredths(draw(adjustment_hundredths))))
    return ParticipantInput(
        id=participant_id,
        team=draw(teams),
        actuals=actuals,
        ratings=ratings,
        adjustment=adjustment,
        adjustment_reason="calibrated" if adjustment else "",
    )


@st.composite
def cards_with_participant(draw):
    card = draw(scorecards())
    return card, draw(participants_for(card))


@st.composite
def cards_with_cycle(draw):
    card = draw(scorecards())
    count = draw(st.integers(1, 8))
    participants = [draw(participants_for(card, f"pm{index}")) for index in range(count)]
    return card, participants


# --------------------------------------------------------------------------- bounds


@SCORECARD_EXAMPLES
@given(cards_with_participant())
def test_scores_lie_within_zero_and_their_maximum(card_and_participant):
    card, participant = card_and_participant

    score = score_participant(card, participant)

    if score.final_score is not None:
        assert Decimal(0) <= score.final_score <= card.stretch_cap
        assert score.final_score == score.final_score.quantize(Decimal("0.01"))
    if score.kpi_score is not None:
        assert Decimal(0) <= score.kpi_score <= card.stretch_cap
    if score.competency_score is not None:
        assert Decimal(0) <= score.competency_score <= Decimal(100)


@EXAMPLES
@given(kpi_items, amounts, st.integers(100, 300))
def test_kpi_points_lie_within_zero_and_the_cap(item, actual, cap):
    points = kpi_points(item, actual, Decimal(cap))

    assert Decimal(0) <= points <= Decimal(cap)


# --------------------------------------------------------------------------- monotonicity


@EXAMPLES
@given(kpi_items, amounts, amounts, st.integers(100, 300))
def test_kpi_points_follow_the_direction_of_the_kpi(item, first, second, cap):
    # given two actuals, the smaller first
    low, high = sorted([first, second])
    # when both are scored
    low_points = kpi_points(item, low, Decimal(cap))
    high_points = kpi_points(item, high, Decimal(cap))
    # then more is never worse when higher is better, and never better when lower is
    if item.direction == "higher":
        assert low_points <= high_points
    else:
        assert low_points >= high_points


@SCORECARD_EXAMPLES
@given(cards_with_participant(), st.data())
def test_reporting_a_missing_actual_never_lowers_the_final(card_and_participant, data):
    # given a participant with one KPI missing
    card, participant = card_and_participant
    missing_key = card.kpis[0].key
    without = replace(
        participant,
        actuals={k: v for k, v in participant.actuals.items() if k != missing_key},
    )
    # when an actual is reported for it
    with_actual = replace(
        participant, actuals={**participant.actuals, missing_key: data.draw(amounts)}
    )
    # then the final score is at least as high
    before = score_participant(card, without).final_score
    after = score_participant(card, with_actual).final_score
    if before is None:  # only when the KPI section weighs 0 and nothing else is scorable
        assert after is None
    else:
        assert after is not None
        assert before <= after


@SCORECARD_EXAMPLES
@given(cards_with_participant(), st.integers(1, 500))
def test_a_higher_adjustment_never_lowers_the_final(card_and_participant, step):
    card, participant = card_and_participant
    bound = card.max_adjustment
    raised = min(participant.adjustment + Decimal(step) / 100, bound)

    before = score_participant(card, participant).final_score
    after = score_participant(
        card, replace(participant, adjustment=raised, adjustment_reason="calibrated")
    ).final_score

    if before is not None:
        assert after is not None
        assert before <= after


# --------------------------------------------------------------------------- weights


@st.composite
def cards_with_scaled_kpi_weights(draw):
    """Two scorecards whose counted KPI weights differ by one factor; the rest of the 100
    goes to a filler KPI that every participant has excused."""
    card = draw(scorecards())
    count = len(card.kpis)
    base = [Decimal(draw(st.integers(0, 10))) for _ in range(count)]
    if not any(base):
        base[0] = Decimal(1)
    factor = draw(st.integers(2, max(2, 90 // int(sum(base)))))
    filler = kpi_item("filler", Decimal(0), draw(kpi_shapes))

    def with_weights(weights: list[Decimal]) -> Scorecard:
        items = tuple(replace(item, weight=w) for item, w in zip(card.kpis, weights, strict=True))
        return replace(card, kpis=(*items, replace(filler, weight=Decimal(100) - sum(weights))))

    participant = draw(participants_for(card))
    participant = replace(
        participant, actuals={**participant.actuals, "filler": Excused("not this period")}
    )
    return with_weights(base), with_weights([w * factor for w in base]), participant


@SCORECARD_EXAMPLES
@given(cards_with_scaled_kpi_weights())
def test_scaling_every_kpi_weight_by_one_factor_leaves_scores_unchanged(cards):
    card, scaled_card, participant = cards

    score = score_participant(card, participant)
    scaled = score_participant(scaled_card, participant)

    assert scaled.kpi_score == score.kpi_score
    assert scaled.final_score == score.final_score


@st.composite
def cards_with_scaled_competency_weights(draw):
    """Two scorecards whose rated competency weights differ by one factor; the rest of the
    100 goes to a filler competency nobody rated."""
    card = draw(scorecards())
    count = len(card.competencies)
    base = [Decimal(draw(st.integers(1, 10))) for _ in range(count)]
    factor = draw(st.integers(2, max(2, 90 // int(sum(base)))))

    def with_weights(weights: list[Decimal]) -> Scorecard:
        items = tuple(
            replace(item, weight=w) for item, w in zip(card.competencies, weights, strict=True)
        )
        filler = CompetencyItem(key="filler", weight=Decimal(100) - sum(weights))
        return replace(card, competencies=(*items, filler))

    participant = draw(participants_for(card))
    return with_weights(base), with_weights([w * factor for w in base]), participant


@SCORECARD_EXAMPLES
@given(cards_with_scaled_competency_weights())
def test_scaling_every_competency_weight_by_one_factor_leaves_scores_unchanged(cards):
    card, scaled_card, participant = cards

    score = score_participant(card, participant)
    scaled = score_participant(scaled_card, participant)

    assert scaled.competency_score == score.competency_score
    assert scaled.final_score == score.final_score


@SCORECARD_EXAMPLES
@given(
    cards_with_participant(),
    st.integers(0, 10),
    st.integers(0, 10),
    st.integers(2, 4),
)
def test_scaling_the_counted_source_weights_leaves_scores_unchanged(
    card_and_participant, self_weight, peer_weight, factor
):
    # given leader ratings all N/A, so only self and peer weights count
    card, participant = card_and_participant
    participant = replace(
        participant,
        ratings={
            key: replace(ratings, leader_rating=None)
            for key, ratings in participant.ratings.items()
        },
    )

    def with_sources(self_part: int, peer_part: int) -> Scorecard:
        return replace(
            card,
            source_weights={
                Source.SELF: Decimal(self_part),
                Source.LEADER: Decimal(100 - self_part - peer_part),
                Source.PEER: Decimal(peer_part),
            },
        )

    # when the self and peer weights are both multiplied by one factor
    score = score_participant(with_sources(self_weight, peer_weight), participant)
    scaled = score_participant(
        with_sources(self_weight * factor, peer_weight * factor), participant
    )
    # then every competency item scores the same
    assert [step.score for step in scaled.explanation.competencies] == [
        step.score for step in score.explanation.competencies
    ]
    assert scaled.final_score == score.final_score


@SCORECARD_EXAMPLES
@given(cards_with_participant(), st.randoms(use_true_random=False))
def test_the_order_of_items_does_not_change_the_score(card_and_participant, random):
    card, participant = card_and_participant
    kpis, competencies = list(card.kpis), list(card.competencies)
    random.shuffle(kpis)
    random.shuffle(competencies)
    shuffled = replace(card, kpis=tuple(kpis), competencies=tuple(competencies))

    assert score_participant(shuffled, participant).final_score == (
        score_participant(card, participant).final_score
    )


# --------------------------------------------------------------------------- ranks and grades


@SCORECARD_EXAMPLES
@given(cards_with_cycle())
def test_equal_final_scores_get_equal_rank_and_grade(card_and_cycle):
    # given a cycle in which the first participant is entered twice under two ids
    card, participants = card_and_cycle
    twin = replace(participants[0], id="twin")
    # when it is scored
    results = score_cycle(card, [*participants, twin])
    # then every pair with equal final scores shares rank and grade
    for first in results:
        for second in results:
            if first.final_score is not None and first.final_score == second.final_score:
                assert (first.rank, first.grade) == (second.rank, second.grade)
                if first.team == second.team:
                    assert first.team_rank == second.team_rank
    assert (results[0].rank, results[0].grade) == (results[-1].rank, results[-1].grade)


@EXAMPLES
@given(st.dictionaries(st.integers(), st.integers(0, 12).map(Decimal), min_size=1, max_size=30))
def test_rank_is_one_plus_the_number_scoring_strictly_higher(scores):
    ranks = competition_ranks(scores)

    for participant, score in scores.items():
        assert ranks[participant] == 1 + sum(other > score for other in scores.values())


@EXAMPLES
@given(st.dictionaries(st.integers(), st.integers(0, 12).map(Decimal), min_size=1, max_size=30))
def test_forced_grades_never_reward_a_lower_score(scores):
    grades = grades_forced(scores, Grading().quotas)

    order = list(Grading().quotas)
    for first, first_score in scores.items():
        for second, second_score in scores.items():
            if first_score >= second_score:
                assert order.index(grades[first]) <= order.index(grades[second])


def _at_least_as_good_counts(grades: dict, order: list[str]) -> list[int]:
    counts = Counter(grades.values())
    return [sum(counts[grade] for grade in order[: index + 1]) for index in range(len(order))]


def _quota_places(count: int, quotas: dict) -> list[int]:
    """ceil(N·cum / 100) for each cumulative quota, in whole-number arithmetic."""
    places, cumulative = [], 0
    for quota in quotas.values():
        cumulative += int(quota)
        places.append(min(count, -(-count * cumulative // 100)))
    return places


@EXAMPLES
@given(st.sets(st.integers(0, 10_000), min_size=1, max_size=40))
def test_forced_grades_of_distinct_scores_fill_each_quota_exactly(values):
    # given distinct scores
    scores = {index: Decimal(value) for index, value in enumerate(values)}
    quotas = Grading().quotas
    # when graded
    grades = grades_forced(scores, quotas)
    # then the top ceil(N·cum/100) hold that grade or better, no more
    assert _at_least_as_good_counts(grades, list(quotas)) == _quota_places(len(scores), quotas)


@EXAMPLES
@given(st.dictionaries(st.integers(), st.integers(0, 6).map(Decimal), min_size=1, max_size=40))
def test_ties_only_ever_move_participants_up_a_grade(scores):
    quotas = Grading().quotas

    grades = grades_forced(scores, quotas)

    counts = _at_least_as_good_counts(grades, list(quotas))
    places = _quota_places(len(scores), quotas)
    assert all(count >= place for count, place in zip(counts, places, strict=True))


@EXAMPLES
@given(
    st.decimals(min_value=0, max_value=200, places=2),
    st.decimals(min_value=0, max_value=200, places=2),
)
def test_bands_never_reward_a_lower_score(first, second):
    bands = Grading().bands
    order = list(bands)
    low, high = sorted([first, second])

    assert order.index(grade_by_bands(high, bands)) <= order.index(grade_by_bands(low, bands))


@EXAMPLES
@given(st.integers(0, 10**9))
def test_round_score_is_half_up_like_a_calculator(thousandths):
    # given a value with three decimals, n / 1000
    value = Decimal(thousandths) / 1000
    # when rounded
    rounded = round_score(value)
    # then it equals floor((n + 5) / 10) hundredths
    assert rounded == Decimal((thousandths + 5) // 10) / 100

"""kpis.scoring against SCORING.md: every row of the worked example and each rule of 2-5."""

from dataclasses import replace
from decimal import Decimal, localcontext

import pytest

from kpis.scoring import (
    CompetencyItem,
    CompetencyRatings,
    Excused,
    Grading,
    KpiItem,
    KpiStatus,
    LeftOutReason,
    ParticipantInput,
    Scale,
    Scorecard,
    ScoringError,
    Section,
    Source,
    competition_ranks,
    grade_by_bands,
    grades_forced,
    kpi_points,
    round_score,
    score_cycle,
    score_participant,
    team_competition_ranks,
    validate_cycle,
    validate_participant,
    validate_scorecard,
)

# --------------------------------------------------------------------------- the worked example

MAU = KpiItem(
    key="mau_growth",
    direction="higher",
    threshold=Decimal(10),
    target=Decimal(15),
    stretch=Decimal(20),
    weight=Decimal(25),
)
RETENTION = KpiItem(
    key="day30_retention",
    direction="higher",
    threshold=Decimal(40),
    target=Decimal(50),
    stretch=Decimal(60),
    weight=Decimal(25),
)
NPS = KpiItem(
    key="nps", direction="higher", threshold=Decimal(50), target=Decimal(70), weight=Decimal(20)
)
ARPU = KpiItem(
    key="arpu_growth",
    direction="higher",
    threshold=Decimal(5),
    target=Decimal(10),
    stretch=Decimal(15),
    weight=Decimal(15),
)
TICKETS = KpiItem(
    key="tickets_per_1k_users",
    direction="lower",
    threshold=Decimal(12),
    target=Decimal(8),
    stretch=Decimal(5),
    weight=Decimal(15),
)
LIN_ACTUALS = {
    "mau_growth": Decimal(18),
    "day30_retention": Decimal(46),
    "nps": Decimal(72),
    "arpu_growth": Decimal(4),
    "tickets_per_1k_users": Decimal(9),
}
LIN_RATINGS = {
    "requirement_accuracy": CompetencyRatings(
        self_rating=4, leader_rating=4, peer_ratings=(3, 4, 5)
    ),
    "collaboration": CompetencyRatings(self_rating=5, leader_rating=3, peer_ratings=(4, 4, 3, 5)),
    "documentation_rigor": CompetencyRatings(self_rating=4, leader_rating=4, peer_ratings=(5, 4)),
}


def worked_example_card(**changes) -> Scorecard:
    card = Scorecard(
        kpis=(MAU, RETENTION, NPS, ARPU, TICKETS),
        competencies=(
            CompetencyItem(key="requirement_accuracy", weight=Decimal(30)),
            CompetencyItem(key="collaboration", weight=Decimal(40)),
            CompetencyItem(key="documentation_rigor", weight=Decimal(30)),
        ),
    )
    return replace(card, **changes)


def lin(**changes) -> ParticipantInput:
    participant = ParticipantInput(
        id="lin",
        team="growth",
        actuals=LIN_ACTUALS,
        ratings=LIN_RATINGS,
        adjustment=Decimal(-2),
        adjustment_reason="two late requirement reversals",
    )
    return replace(participant, **changes)


def only_final(score: Decimal, *, participant_id: str, team: str = "growth") -> ParticipantInput:
    """A participant on `simple_card` whose final score is exactly `score` (0, or 50..100)."""
    actual = score * 2 - 100 if score >= 50 else Decimal(-1)
    return ParticipantInput(id=participant_id, team=team, actuals={"conversion": actual})


def simple_card(**changes) -> Scorecard:
    """One KPI scored `50 + a/2` on 0..100 (weight 100); competencies weigh 0."""
    card = Scorecard(
        kpis=(
            KpiItem(
                key="conversion",
                direction="higher",
                threshold=Decimal(0),
                target=Decimal(100),
                weight=Decimal(100),
            ),
        ),
        competencies=(),
        section_weights={Section.KPI: Decimal(100), Section.COMPETENCY: Decimal(0)},
    )
    return replace(card, **changes)


# --------------------------------------------------------------------------- section 2: KPI points


@pytest.mark.parametrize(
    ("item", "actual", "points"),
    [
        (MAU, Decimal(18), Decimal(112)),
        (RETENTION, Decimal(46), Decimal(80)),
        (NPS, Decimal(72), Decimal(100)),
        (ARPU, Decimal(4), Decimal(0)),
        (TICKETS, Decimal(9), Decimal("87.5")),
    ],
    ids=["mau_growth", "day30_retention", "nps", "arpu_growth", "tickets"],
)
def test_worked_example_kpi_points(item, actual, points):
    # given a KPI row of SCORING.md section 6
    # when its points are computed
    result = kpi_points(item, actual, Decimal(120))
    # then they are the table's
    assert result == points


@pytest.mark.parametrize(
    ("actual", "points"),
    [
        (Decimal("9.99"), Decimal(0)),  # u < 0: threshold missed
        (Decimal(10), Decimal(50)),  # u = 0: the threshold still counts
        (Decimal("12.5"), Decimal(75)),  # u = 0.5
        (Decimal(15), Decimal(100)),  # u = 1: the target
        (Decimal("17.5"), Decimal(110)),  # halfway to the stretch
        (Decimal(20), Decimal(120)),  # the stretch earns CAP
        (Decimal(1000), Decimal(120)),  # never more than CAP
    ],
)
def test_kpi_points_higher_is_better_rows(actual, points):
    assert kpi_points(MAU, actual, Decimal(120)) == points


@pytest.mark.parametrize(
    ("actual", "points"),
    [
        (Decimal(13), Decimal(0)),
        (Decimal(12), Decimal(50)),
        (Decimal(10), Decimal(75)),
        (Decimal(8), Decimal(100)),
        (Decimal("6.5"), Decimal(110)),
        (Decimal(5), Decimal(120)),
        (Decimal(0), Decimal(120)),
    ],
)
def test_kpi_points_lower_is_better_rows(actual, points):
    # the same u formula serves a lower-is-better KPI (12 / 8 / 5)
    assert kpi_points(TICKETS, actual, Decimal(120)) == points


def test_kpi_points_without_stretch_stop_at_100():
    assert kpi_points(NPS, Decimal(500), Decimal(120)) == Decimal(100)


def test_kpi_points_use_the_stretch_cap_given():
    assert kpi_points(MAU, Decimal("17.5"), Decimal(150)) == Decimal(125)
    assert kpi_points(MAU, Decimal(20), Decimal(100)) == Decimal(100)


def test_kpi_points_default_cap_is_120():
    assert kpi_points(MAU, Decimal(30)) == Decimal(120)


# --------------------------------------------------------------------------- section 6: lin


def test_worked_example_sections_and_final():
    # given lin of SCORING.md section 6
    # when scored
    score = score_participant(worked_example_card(), lin())
    # then Q, C and F are those of the text
    assert score.kpi_score == Decimal("81.125")
    assert score.competency_score == Decimal(72)
    assert score.final_score == Decimal("75.48")
    assert score.flags == ("peer_below_minimum:documentation_rigor",)


def test_worked_example_competency_items():
    score = score_participant(worked_example_card(), lin())

    items = {step.key: step.score for step in score.explanation.competencies}

    assert items == {
        "requirement_accuracy": Decimal(75),
        "collaboration": Decimal("67.5"),
        "documentation_rigor": Decimal(75),
    }


def test_explanation_records_each_kpi_step():
    score = score_participant(worked_example_card(), lin())

    mau, retention, nps, arpu, tickets = score.explanation.kpis

    assert (mau.actual, mau.progress, mau.stretch_progress, mau.points) == (
        Decimal(18),
        Decimal("1.6"),
        Decimal("0.6"),
        Decimal(112),
    )
    assert (mau.threshold, mau.target, mau.stretch, mau.weight) == (
        Decimal(10),
        Decimal(15),
        Decimal(20),
        Decimal(25),
    )
    assert (retention.progress, retention.stretch_progress, retention.points) == (
        Decimal("0.6"),
        None,
        Decimal(80),
    )
    assert (nps.progress, nps.stretch, nps.points) == (Decimal("1.1"), None, Decimal(100))
    assert (arpu.progress, arpu.points) == (Decimal("-0.2"), Decimal(0))
    assert (tickets.direction, tickets.progress, tickets.points) == (
        "lower",
        Decimal("0.75"),
        Decimal("87.5"),
    )
    assert {step.status for step in score.explanation.kpis} == {KpiStatus.COUNTED}


def test_explanation_records_each_rating_source():
    score = score_participant(worked_example_card(), lin())

    collaboration = score.explanation.competencies[1]
    documentation = score.explanation.competencies[2]

    self_source, leader, peers = collaboration.sources
    assert (self_source.source, self_source.weight, self_source.rating) == (
        Source.SELF,
        Decimal(20),
        Decimal(5),
    )
    assert (self_source.normalised, self_source.is_present) == (Decimal(100), True)
    assert (leader.rating, leader.normalised) == (Decimal(3), Decimal(50))
    assert (peers.rating, peers.normalised, peers.response_count) == (Decimal(4), Decimal(75), 4)
    documentation_peers = documentation.sources[2]
    assert documentation_peers.is_present is False
    assert documentation_peers.left_out_reason == LeftOutReason.TOO_FEW_PEERS
    assert documentation_peers.response_count == 2
    assert documentation_peers.rating is None  # too few to stay anonymous


def test_explanation_records_sections_adjustment_and_final():
    score = score_participant(worked_example_card(), lin())

    explanation = score.explanation

    assert (explanation.kpi_section.score, explanation.kpi_section.weight_used) == (
        Decimal("81.125"),
        Decimal(60),
    )
    assert explanation.kpi_section.item_weight_total == Decimal(100)
    assert (explanation.competency_section.score, explanation.competency_section.weight_used) == (
        Decimal(72),
        Decimal(40),
    )
    assert explanation.weighted_score == Decimal("77.475")
    assert (explanation.adjustment, explanation.adjustment_reason) == (
        Decimal(-2),
        "two late requirement reversals",
    )
    assert explanation.unclamped_score == Decimal("75.475")
    assert explanation.is_clamped is False
    assert explanation.unrounded_final == Decimal("75.475")
    assert explanation.final_score == Decimal("75.48")


def test_scoring_ignores_the_callers_decimal_context():
    # given a caller running with a coarse decimal context
    with localcontext(prec=4):
        # when lin is scored
        score = score_participant(worked_example_card(), lin())
    # then the result is unchanged
    assert score.final_score == Decimal("75.48")


# --------------------------------------------------------------------------- missing and excused


def test_missing_kpi_scores_zero_and_keeps_its_weight():
    # given lin without an NPS actual
    actuals = {key: value for key, value in LIN_ACTUALS.items() if key != "nps"}
    # when scored
    score = score_participant(worked_example_card(), lin(actuals=actuals))
    # then NPS counts as 0 over all 100 weight: (2800 + 2000 + 0 + 0 + 1312.5) / 100
    assert score.kpi_score == Decimal("61.125")
    assert "missing:nps" in score.flags
    nps = score.explanation.kpis[2]
    assert (nps.status, nps.points, nps.actual) == (KpiStatus.MISSING, Decimal(0), None)


def test_excused_kpi_is_left_out_and_weights_renormalise():
    # given lin with NPS excused
    actuals = {**LIN_ACTUALS, "nps": Excused("survey vendor changed mid-quarter")}
    # when scored
    score = score_participant(worked_example_card(), lin(actuals=actuals))
    # then Q is over the remaining 80 weight: (2800 + 2000 + 0 + 1312.5) / 80
    assert score.kpi_score == Decimal("76.40625")
    assert score.explanation.kpi_section.item_weight_total == Decimal(80)
    assert "excused:nps" in score.flags
    nps = score.explanation.kpis[2]
    assert (nps.status, nps.points, nps.excused_reason) == (
        KpiStatus.EXCUSED,
        None,
        "survey vendor changed mid-quarter",
    )


def test_flags_list_kpis_then_competencies_then_sections_in_item_order():
    actuals = {"mau_growth": Excused("new metric"), "nps": Decimal(72)}
    ratings = {"collaboration": CompetencyRatings(leader_rating=3)}

    score = score_participant(worked_example_card(), lin(actuals=actuals, ratings=ratings))

    assert score.flags == (
        "excused:mau_growth",
        "missing:day30_retention",
        "missing:arpu_growth",
        "missing:tickets_per_1k_users",
        "peer_below_minimum:requirement_accuracy",
        "no_source:requirement_accuracy",
        "peer_below_minimum:collaboration",
        "peer_below_minimum:documentation_rigor",
        "no_source:documentation_rigor",
    )


# --------------------------------------------------------------------------- ratings and sources


def test_not_applicable_rating_is_left_out_not_counted_as_zero():
    # given lin's collaboration without a self-rating (N/A)
    ratings = {
        **LIN_RATINGS,
        "collaboration": CompetencyRatings(leader_rating=3, peer_ratings=(4, 4, 3, 5)),
    }
    # when scored
    score = score_participant(worked_example_card(), lin(ratings=ratings))
    # then the item is over leader and peers only: (50·50 + 30·75) / 80, not / 100
    collaboration = score.explanation.competencies[1]
    assert collaboration.score == Decimal("59.375")
    assert collaboration.sources[0].left_out_reason == LeftOutReason.NOT_RATED
    assert collaboration.sources[0].not_applicable_count == 1


def test_not_applicable_peer_answers_do_not_count_towards_the_minimum():
    # given four peers of whom two answered N/A (m = 3)
    ratings = {
        **LIN_RATINGS,
        "requirement_accuracy": CompetencyRatings(
            self_rating=4, leader_rating=4, peer_ratings=(1, None, None, 1)
        ),
    }
    # when scored
    score = score_participant(worked_example_card(), lin(ratings=ratings))
    # then the peer source is left out (2 answers) and flagged
    peers = score.explanation.competencies[0].sources[2]
    assert (peers.response_count, peers.not_applicable_count, peers.is_present) == (2, 2, False)
    assert score.explanation.competencies[0].score == Decimal(75)
    assert "peer_below_minimum:requirement_accuracy" in score.flags


def test_peer_mean_is_normalised_once_enough_peers_answered():
    # given three peers rating 3, 3, 4 (mean 10/3 on 1..5)
    ratings = {
        **LIN_RATINGS,
        "requirement_accuracy": CompetencyRatings(
            self_rating=3, leader_rating=3, peer_ratings=(3, 3, 4)
        ),
    }
    # when scored
    score = score_participant(worked_example_card(), lin(ratings=ratings))
    # then n(10/3) = 175/3 and the item is (20·50 + 50·50 + 30·175/3) / 100 = 52.5
    item = score.explanation.competencies[0]
    assert item.sources[2].normalised == Decimal("58." + "3" * 30)
    assert item.score == Decimal("52.5")


def test_source_with_weight_zero_never_counts_as_present():
    # given self-ratings shown but not counted (self 0, leader 70, peer 30)
    card = worked_example_card(
        source_weights={
            Source.SELF: Decimal(0),
            Source.LEADER: Decimal(70),
            Source.PEER: Decimal(30),
        }
    )
    # when lin is scored
    score = score_participant(card, lin())
    # then collaboration is (70·50 + 30·75) / 100, the self-rating shown but left out
    collaboration = score.explanation.competencies[1]
    assert collaboration.score == Decimal("57.5")
    self_source = collaboration.sources[0]
    assert (self_source.rating, self_source.is_present, self_source.left_out_reason) == (
        Decimal(5),
        False,
        LeftOutReason.WEIGHT_ZERO,
    )


def test_peer_source_with_weight_zero_raises_no_peer_flag():
    card = worked_example_card(
        source_weights={
            Source.SELF: Decimal(30),
            Source.LEADER: Decimal(70),
            Source.PEER: Decimal(0),
        }
    )

    score = score_participant(card, lin())

    assert score.flags == ()
    assert score.explanation.competencies[2].sources[2].left_out_reason == LeftOutReason.WEIGHT_ZERO


def test_competency_without_any_source_is_left_out_and_flagged():
    # given documentation rigor not rated at all
    ratings = {key: value for key, value in LIN_RATINGS.items() if key != "documentation_rigor"}
    # when scored
    score = score_participant(worked_example_card(), lin(ratings=ratings))
    # then C is over the two items left: (30·75 + 40·67.5) / 70
    # 4950 / 70 = 495/7 does not terminate: shown to 30 decimal places
    assert score.competency_score == Decimal("70.714285714285714285714285714286")
    assert "no_source:documentation_rigor" in score.flags
    assert score.explanation.competencies[2].is_counted is False
    assert score.explanation.competency_section.item_weight_total == Decimal(70)


# --------------------------------------------------------------------------- section 4: the final


def test_kpi_section_drops_out_and_competencies_carry_its_weight():
    # given every KPI excused
    actuals = {item.key: Excused("team reorganised") for item in worked_example_card().kpis}
    # when scored
    score = score_participant(worked_example_card(), lin(actuals=actuals))
    # then F = C + adj = 72 - 2, flagged
    assert score.kpi_score is None
    assert score.final_score == Decimal("70.00")
    assert score.flags[-1] == "section_dropped:kpi"
    assert score.explanation.kpi_section.is_dropped is True
    assert score.explanation.kpi_section.weight_used == Decimal(0)
    assert score.explanation.competency_section.weight_used == Decimal(100)


def test_competency_section_drops_out_and_kpis_carry_its_weight():
    score = score_participant(worked_example_card(), lin(ratings={}))

    assert score.competency_score is None
    assert score.final_score == Decimal("79.13")  # 81.125 - 2 = 79.125, half-up
    assert score.flags[-1] == "section_dropped:competency"
    assert score.explanation.kpi_section.weight_used == Decimal(100)


def test_nothing_scorable_gives_no_final_score():
    # given every KPI excused and no ratings at all
    actuals = {item.key: Excused("parental leave") for item in worked_example_card().kpis}
    # when scored
    score = score_participant(worked_example_card(), lin(actuals=actuals, ratings={}))
    # then there is no final score, and both drops are flagged
    assert (score.kpi_score, score.competency_score, score.final_score) == (None, None, None)
    assert score.flags[-2:] == ("section_dropped:kpi", "section_dropped:competency")
    assert score.explanation.weighted_score is None
    assert score.explanation.unrounded_final is None


def test_section_with_weight_zero_does_not_count_and_is_not_flagged():
    # given competencies weighing 0
    card = worked_example_card(
        section_weights={Section.KPI: Decimal(100), Section.COMPETENCY: Decimal(0)}
    )
    # when lin is scored without ratings
    score = score_participant(card, lin(ratings={}))
    # then F = Q + adj, and no section_dropped flag is raised
    assert score.final_score == Decimal("79.13")
    assert not any(flag.startswith("section_dropped") for flag in score.flags)


def test_final_score_is_clamped_to_zero():
    card = simple_card()
    participant = ParticipantInput(
        id="low", actuals={"conversion": Decimal(-1)}, adjustment=Decimal(-5), adjustment_reason="r"
    )

    score = score_participant(card, participant)

    assert score.final_score == Decimal("0.00")
    assert score.explanation.unclamped_score == Decimal(-5)
    assert score.explanation.is_clamped is True


def test_final_score_is_clamped_to_the_stretch_cap():
    card = simple_card(
        kpis=(replace(MAU, key="conversion", weight=Decimal(100)),), max_adjustment=Decimal(10)
    )
    participant = ParticipantInput(
        id="high",
        actuals={"conversion": Decimal(20)},
        adjustment=Decimal(10),
        adjustment_reason="r",
    )

    score = score_participant(card, participant)

    assert score.kpi_score == Decimal(120)
    assert score.explanation.unclamped_score == Decimal(130)
    assert score.final_score == Decimal("120.00")
    assert score.explanation.is_clamped is True


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Decimal("2.675"), Decimal("2.68")),  # a binary float would give 2.67
        (Decimal("60.125"), Decimal("60.13")),  # half-even would give 60.12
        (Decimal("60.135"), Decimal("60.14")),
        (Decimal("60.1249"), Decimal("60.12")),
        (Decimal("89.995"), Decimal("90.00")),
        (Decimal(0), Decimal("0.00")),
    ],
)
def test_round_score_is_half_up_to_two_decimals(value, rounded):
    assert round_score(value) == rounded
    assert str(round_score(value)) == str(rounded)


def test_final_score_rounds_half_up_from_unrounded_sections():
    # given a final of exactly 60.125 (Q = 70.25 from conversion 40.5)
    participant = ParticipantInput(id="pia", actuals={"conversion": Decimal("40.5")})
    card = simple_card(
        competencies=(CompetencyItem(key="craft", weight=Decimal(100)),),
        section_weights={Section.KPI: Decimal(50), Section.COMPETENCY: Decimal(50)},
    )
    participant = replace(
        participant,
        ratings={
            "craft": CompetencyRatings(self_rating=3, leader_rating=3, peer_ratings=(3, 3, 3))
        },
    )
    # when scored
    score = score_participant(card, participant)
    # then it is rounded half-up
    assert score.explanation.unrounded_final == Decimal("60.125")
    assert score.final_score == Decimal("60.13")


def test_a_third_carried_through_still_rounds_half_up():
    # given peers 3, 3, 4 (a mean of 10/3) making a true final of exactly 57.525
    card = simple_card(
        competencies=(CompetencyItem(key="craft", weight=Decimal(100)),),
        section_weights={Section.KPI: Decimal(50), Section.COMPETENCY: Decimal(50)},
    )
    participant = ParticipantInput(
        id="raj",
        actuals={"conversion": Decimal("25.1")},
        ratings={
            "craft": CompetencyRatings(self_rating=3, leader_rating=3, peer_ratings=(3, 3, 4))
        },
    )
    # when scored
    score = score_participant(card, participant)
    # then decimal noise does not tip it down: 57.53, not 57.52
    assert score.explanation.unrounded_final == Decimal("57.525")
    assert score.final_score == Decimal("57.53")


# --------------------------------------------------------------------------- section 5: ranks


def test_competition_ranks_share_a_place_and_skip_the_next():
    scores = {"a": Decimal("90"), "b": Decimal("80"), "c": Decimal("80"), "d": Decimal("70")}

    assert competition_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_worked_example_five_ranks():
    scores = {
        "lin": Decimal("75.48"),
        "mei": Decimal("88.10"),
        "ravi": Decimal("75.48"),
        "sara": Decimal("62.00"),
        "tom": Decimal("91.25"),
    }

    assert competition_ranks(scores) == {"lin": 3, "mei": 2, "ravi": 3, "sara": 5, "tom": 1}


def test_team_ranks_rank_within_each_team_and_skip_those_without_one():
    scores = {
        "a": Decimal(90),
        "b": Decimal(80),
        "c": Decimal(85),
        "d": Decimal(80),
        "e": Decimal(99),
    }
    teams = {"a": "growth", "b": "growth", "c": "platform", "d": "growth", "e": None}

    assert team_competition_ranks(scores, teams) == {"a": 1, "b": 2, "c": 1, "d": 2}


def test_ranks_use_the_rounded_final_score():
    # given finals of 89.995 and 90 (both 90.00 once rounded)
    card = simple_card()
    participants = [
        ParticipantInput(id="a", actuals={"conversion": Decimal(80)}),  # 90
        ParticipantInput(id="b", actuals={"conversion": Decimal("79.99")}),  # 89.995
    ]
    # when the cycle is scored
    results = score_cycle(card, participants)
    # then they tie
    assert [(r.final_score, r.rank) for r in results] == [
        (Decimal("90.00"), 1),
        (Decimal("90.00"), 1),
    ]


# --------------------------------------------------------------------------- section 5: grades


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Decimal("100"), "S"),
        (Decimal("90.00"), "S"),
        (Decimal("89.99"), "A"),
        (Decimal("80.00"), "A"),
        (Decimal("79.99"), "B"),
        (Decimal("65.00"), "B"),
        (Decimal("64.99"), "C"),
        (Decimal("50.00"), "C"),
        (Decimal("49.99"), "D"),
        (Decimal("0.00"), "D"),
    ],
)
def test_grade_by_default_bands_at_and_just_below_each_boundary(score, grade):
    assert grade_by_bands(score, Grading().bands) == grade


def test_forced_distribution_of_the_worked_example():
    scores = {
        "lin": Decimal("75.48"),
        "mei": Decimal("88.10"),
        "ravi": Decimal("75.48"),
        "sara": Decimal("62.00"),
        "tom": Decimal("91.25"),
    }

    grades = grades_forced(scores, Grading().quotas)

    assert grades == {"lin": "B", "mei": "A", "ravi": "B", "sara": "C", "tom": "S"}


def test_forced_distribution_ties_share_the_better_grade():
    # given ten PMs where the top two tie (the S quota is one place)
    scores = {f"p{index}": Decimal(100 - index) for index in range(10)}
    scores["p1"] = Decimal(100)
    # when graded
    grades = grades_forced(scores, Grading().quotas)
    # then both get S: k = 0 for each
    assert grades["p0"] == grades["p1"] == "S"
    assert [grades[f"p{index}"] for index in range(2, 10)] == [
        "A",
        "B",
        "B",
        "B",
        "B",
        "B",
        "C",
        "C",
    ]


def test_forced_distribution_follows_k_times_100_below_n_times_cum():
    # given 20 distinct scores: S gets k < 2, A k < 6, B k < 16, C k < 19, D the last
    scores = {index: Decimal(index) for index in range(20)}

    grades = grades_forced(scores, Grading().quotas)

    ordered = [grades[index] for index in sorted(scores, reverse=True)]
    assert ordered == ["S"] * 2 + ["A"] * 4 + ["B"] * 10 + ["C"] * 3 + ["D"]


def test_forced_distribution_of_one_participant_is_the_best_grade():
    assert grades_forced({"solo": Decimal(10)}, Grading().quotas) == {"solo": "S"}


# --------------------------------------------------------------------------- score_cycle


def test_score_cycle_ranks_grades_and_pays_in_input_order():
    # given lin, a copy of lin in another team, and someone with nothing scorable
    card = worked_example_card(grading=Grading(mode="forced"))
    participants = [
        lin(),
        lin(id="ravi", team="platform"),
        lin(id="nobody", actuals={k: Excused("leave") for k in LIN_ACTUALS}, ratings={}),
    ]
    # when the cycle is scored
    results = score_cycle(card, participants)
    # then results come back in input order, ranked and graded among the scored only
    assert [r.id for r in results] == ["lin", "ravi", "nobody"]
    assert [(r.rank, r.team_rank, r.grade) for r in results] == [
        (1, 1, "S"),
        (1, 1, "S"),
        (None, None, None),
    ]
    assert [r.bonus_multiplier for r in results] == [Decimal("1.5"), Decimal("1.5"), None]
    assert results[2].final_score is None


def test_score_cycle_with_bands_pays_each_grade_its_multiplier():
    card = simple_card()
    participants = [
        only_final(Decimal(score), participant_id=grade)
        for grade, score in (("S", 95), ("A", 85), ("B", 70), ("C", 55), ("D", 0))
    ]

    results = score_cycle(card, participants)

    assert [(r.id, r.grade, r.bonus_multiplier) for r in results] == [
        ("S", "S", Decimal("1.5")),
        ("A", "A", Decimal("1.2")),
        ("B", "B", Decimal("1.0")),
        ("C", "C", Decimal("0.6")),
        ("D", "D", Decimal(0)),
    ]


def test_grade_without_a_multiplier_pays_none():
    card = simple_card(
        grading=Grading(bands={"Exceeds": Decimal(80), "Meets": Decimal(0)}),
    )

    results = score_cycle(card, [only_final(Decimal(90), participant_id="x")])

    assert (results[0].grade, results[0].bonus_multiplier) == ("Exceeds", None)


def test_score_cycle_refuses_invalid_input_listing_every_problem():
    card = worked_example_card()
    participants = [lin(adjustment=Decimal(11)), lin()]

    with pytest.raises(ScoringError) as refused:
        score_cycle(card, participants)

    assert refused.value.problems == [
        "participant (lin).adjustment: 11 is beyond the maximum adjustment of 10 either way",
        "participant (lin): the id appears more than once",
    ]


# --------------------------------------------------------------------------- validation


def test_worked_example_is_valid():
    assert validate_scorecard(worked_example_card()) == []
    assert validate_participant(worked_example_card(), lin()) == []


def test_item_weights_must_sum_to_100_per_section():
    card = worked_example_card(
        kpis=(MAU, RETENTION, NPS, ARPU, replace(TICKETS, weight=Decimal(10))),
        competencies=(
            CompetencyItem(key="requirement_accuracy", weight=Decimal(30)),
            CompetencyItem(key="collaboration", weight=Decimal(40)),
        ),
    )

    assert validate_scorecard(card) == [
        "kpis: item weights sum to 95, not 100",
        "competencies: item weights sum to 70, not 100",
    ]


def test_section_and_source_weights_must_sum_to_100():
    card = worked_example_card(
        section_weights={Section.KPI: Decimal(60), Section.COMPETENCY: Decimal(30)},
        source_weights={
            Source.SELF: Decimal(20),
            Source.LEADER: Decimal(60),
            Source.PEER: Decimal(30),
        },
    )

    assert validate_scorecard(card) == [
        "section_weights: weights sum to 90, not 100",
        "source_weights: weights sum to 110, not 100",
    ]


def test_thresholds_out_of_order_name_the_kpi():
    card = worked_example_card(
        kpis=(
            MAU,
            RETENTION,
            NPS,
            replace(ARPU, threshold=Decimal(12)),
            replace(TICKETS, threshold=Decimal(5)),
        )
    )

    assert validate_scorecard(card) == [
        "kpis[3] (arpu_growth): threshold 12 must be below target 10 for a higher-is-better KPI",
        (
            "kpis[4] (tickets_per_1k_users): threshold 5 must be above target 8 "
            "for a lower-is-better KPI"
        ),
    ]


def test_stretch_must_lie_beyond_the_target():
    card = worked_example_card(
        kpis=(
            replace(MAU, stretch=Decimal(15)),
            RETENTION,
            NPS,
            ARPU,
            replace(TICKETS, stretch=Decimal(9)),
        )
    )

    assert validate_scorecard(card) == [
        "kpis[0] (mau_growth): stretch 15 must be above target 15 for a higher-is-better KPI",
        (
            "kpis[4] (tickets_per_1k_users): stretch 9 must be below target 8 "
            "for a lower-is-better KPI"
        ),
    ]


def test_kpi_item_problems_are_each_named():
    card = worked_example_card(
        kpis=(
            replace(MAU, direction="up"),
            replace(RETENTION, weight=Decimal(-25)),
            replace(NPS, key="mau_growth", weight=Decimal(70)),
            replace(ARPU, threshold=Decimal("NaN")),
            replace(TICKETS, target=15.0),
        )
    )

    assert validate_scorecard(card) == [
        "kpis[0] (mau_growth): direction 'up' must be 'higher' or 'lower'",
        "kpis[1] (day30_retention): weight -25 must not be negative",
        "kpis[2] (mau_growth): key mau_growth is already used by kpis[0]",
        "kpis[3] (arpu_growth): threshold NaN is not a finite number",
        "kpis[4] (tickets_per_1k_users): target must be a decimal number, not float 15.0",
    ]


def test_scale_settings_and_bands_are_checked():
    card = worked_example_card(
        scale=Scale(lo=5, hi=5),
        min_peer_responses=0,
        stretch_cap=Decimal(90),
        max_adjustment=Decimal(-1),
        grading=Grading(bands={"S": Decimal(90), "A": Decimal(95), "B": Decimal(10)}),
        bonus_multipliers={"S": Decimal(-1)},
    )

    assert validate_scorecard(card) == [
        "scale: lo 5 must be below hi 5",
        "min_peer_responses: must be a whole number of at least 1, not 0",
        "stretch_cap: must be at least 100, not 90",
        "max_adjustment: maximum adjustment -1 must not be negative",
        "grading.bands.A: minimum 95 must be below S's minimum 90 (grades are listed best first)",
        (
            "grading.bands.B: the lowest grade must start at 0, not 10, so that every score gets "
            "a grade"
        ),
        "bonus_multipliers.S: multiplier -1 must not be negative",
    ]


def test_forced_quotas_must_sum_to_100_and_the_mode_must_be_known():
    quotas = {"S": Decimal(10), "A": Decimal(20), "B": Decimal(50), "C": Decimal(15)}

    assert validate_scorecard(
        worked_example_card(grading=Grading(mode="forced", quotas=quotas))
    ) == ["grading.quotas: quotas sum to 95, not 100"]
    assert validate_scorecard(worked_example_card(grading=Grading(mode="curve"))) == [
        "grading.mode: 'curve' must be 'bands' or 'forced'"
    ]


def test_a_section_with_weight_needs_items():
    card = worked_example_card(competencies=())

    assert validate_scorecard(card) == [
        "competencies: there are no items, but the section weight is 40",
    ]


def test_rating_off_the_scale_names_participant_competency_and_source():
    ratings = {
        **LIN_RATINGS,
        "collaboration": CompetencyRatings(self_rating=0, leader_rating=3, peer_ratings=(4, 7, 3)),
        "documentation_rigor": CompetencyRatings(leader_rating=True),
    }

    problems = validate_participant(worked_example_card(), lin(ratings=ratings))

    assert problems == [
        "participant (lin).ratings.collaboration.self: 0 is off the scale 1..5",
        "participant (lin).ratings.collaboration.peers[1]: 7 is off the scale 1..5",
        "participant (lin).ratings.documentation_rigor.leader: True is not a whole number",
    ]


def test_adjustment_over_the_bound_or_without_a_reason_is_refused():
    assert validate_participant(worked_example_card(), lin(adjustment=Decimal("-10.01"))) == [
        "participant (lin).adjustment: -10.01 is beyond the maximum adjustment of 10 either way"
    ]
    assert validate_participant(worked_example_card(), lin(adjustment_reason="  ")) == [
        "participant (lin).adjustment: a reason is required when the adjustment is not 0"
    ]
    assert validate_participant(worked_example_card(), lin(adjustment=Decimal(10))) == []


def test_actuals_must_be_finite_known_and_excused_with_a_reason():
    actuals = {
        **LIN_ACTUALS,
        "mau_growth": Decimal("NaN"),
        "nps": Decimal("Infinity"),
        "arpu_growth": Excused(""),
        "tickets_per_1k_users": 9.0,
        "revenue": Decimal(1),
    }

    problems = validate_participant(worked_example_card(), lin(actuals=actuals))

    assert problems == [
        "participant (lin).actuals.mau_growth: actual NaN is not a finite number",
        "participant (lin).actuals.nps: actual Infinity is not a finite number",
        "participant (lin).actuals.arpu_growth: excused without a reason",
        (
            "participant (lin).actuals.tickets_per_1k_users: actual must be a decimal number, "
            "not float 9.0"
        ),
        "participant (lin).actuals.revenue: there is no KPI 'revenue' in the scorecard",
    ]


def test_ratings_for_an_unknown_competency_are_refused():
    ratings = {**LIN_RATINGS, "charisma": CompetencyRatings(self_rating=5)}

    assert validate_participant(worked_example_card(), lin(ratings=ratings)) == [
        "participant (lin).ratings.charisma: there is no competency 'charisma' in the scorecard"
    ]


def test_score_participant_refuses_invalid_input():
    with pytest.raises(ScoringError) as refused:
        score_participant(worked_example_card(), lin(adjustment_reason=""))

    assert refused.value.problems == [
        "participant (lin).adjustment: a reason is required when the adjustment is not 0"
    ]


def test_validate_cycle_lists_scorecard_then_participants():
    card = worked_example_card(stretch_cap=Decimal(99))

    problems = validate_cycle(card, [lin(adjustment=Decimal(20))])

    assert problems == [
        "stretch_cap: must be at least 100, not 99",
        "participant (lin).adjustment: 20 is beyond the maximum adjustment of 10 either way",
    ]

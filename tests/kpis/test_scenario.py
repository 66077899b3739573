"""kpis.scenario (SCORING.md section 7) and the score_scenario management command."""

import copy
import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kpis.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    results_to_json,
    results_to_table,
    scorecard_from_dict,
    scorecard_to_dict,
)
from kpis.scoring import (
    CompetencyRatings,
    Excused,
    Grading,
    GradingMode,
    Scale,
    Section,
    Source,
    score_cycle,
)

PROJECT = Path(__file__).resolve().parents[2]
SCENARIOS = PROJECT / "kpis" / "scenarios"
WORKED_EXAMPLE = SCENARIOS / "worked_example.json"
EXPECTED_FILES = sorted(SCENARIOS.glob("*.expected.json"))


def worked_example() -> dict:
    return json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"))


def minimal_scenario() -> dict:
    return {
        "kpis": [
            {"key": "nps", "direction": "higher", "threshold": 50, "target": 70, "weight": 100}
        ],
        "competencies": [{"key": "craft", "weight": 100}],
        "participants": [
            {
                "id": "lin",
                "team": "growth",
                "actuals": {"nps": 72},
                "ratings": {"craft": {"self": 4, "leader": 4, "peers": [3, 4, 5]}},
            }
        ],
    }


def problems_of(data: object) -> list[str]:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data)
    return refused.value.problems


def run_command(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("score_scenario", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


# --------------------------------------------------------------------------- parsing


def test_worked_example_parses_to_scorecard_and_participants():
    scenario = load_scenario(WORKED_EXAMPLE.read_text(encoding="utf-8"))

    card, participants = scenario

    assert [item.key for item in card.kpis] == [
        "mau_growth",
        "day30_retention",
        "nps",
        "arpu_growth",
        "tickets_per_1k_users",
    ]
    assert card.kpis[4].direction == "lower"
    assert card.kpis[2].stretch is None
    assert card.grading.mode == GradingMode.FORCED
    assert [p.id for p in participants] == ["lin", "mei", "ravi", "sara", "tom"]
    lin = participants[0]
    assert lin.ratings["documentation_rigor"] == CompetencyRatings(
        self_rating=4, leader_rating=4, peer_ratings=(5, 4)
    )
    assert (lin.adjustment, lin.adjustment_reason) == (
        Decimal(-2),
        "two late requirement reversals",
    )
    assert participants[1].actuals["arpu_growth"] == Decimal("12.5")
    assert participants[4].actuals["arpu_growth"] == Excused("pricing change postponed by finance")


def test_settings_left_out_take_the_defaults_and_grading_is_by_bands():
    card, participants = parse_scenario(minimal_scenario())

    assert card.scale == Scale(lo=1, hi=5)
    assert card.section_weights == {Section.KPI: Decimal(60), Section.COMPETENCY: Decimal(40)}
    assert card.source_weights == {
        Source.SELF: Decimal(20),
        Source.LEADER: Decimal(50),
        Source.PEER: Decimal(30),
    }
    assert (card.min_peer_responses, card.stretch_cap, card.max_adjustment) == (
        3,
        Decimal(120),
        Decimal(10),
    )
    assert card.grading == Grading()
    assert card.grading.mode == GradingMode.BANDS
    assert participants[0].adjustment == Decimal(0)


def test_missing_actual_null_rating_and_empty_peers_are_read_as_such():
    data = minimal_scenario()
    data["participants"][0]["actuals"] = {}
    data["participants"][0]["ratings"] = {"craft": {"self": None, "leader": 4, "peers": []}}

    _card, (participant,) = parse_scenario(data)

    assert participant.actuals == {}
    assert participant.ratings["craft"] == CompetencyRatings(self_rating=None, leader_rating=4)


def test_python_floats_are_read_through_their_text_never_as_binary_fractions():
    data = minimal_scenario()
    data["participants"][0]["actuals"] = {"nps": 70.1}

    _card, (participant,) = parse_scenario(data)

    assert participant.actuals["nps"] == Decimal("70.1")


def test_scenario_is_a_named_pair():
    scenario = parse_scenario(minimal_scenario())

    assert isinstance(scenario, Scenario)
    assert scenario.scorecard.kpis[0].key == "nps"
    assert [p.id for p in scenario.participants] == ["lin"]


def test_problems_of_form_are_all_listed_with_where_they_are():
    # given a scenario with many problems of form
    data = minimal_scenario()
    data["extra"] = 1
    data["stretch_cap"] = "120"
    data["kpis"].append({"key": "arpu", "direction": "higher", "target": 10, "weight": 0})
    data["competencies"][0]["weight"] = True
    data["participants"][0]["actuals"] = {"nps": "72"}
    data["participants"][0]["ratings"]["craft"] = {"self": 3.5, "leader": "4", "peers": 4}
    data["participants"].append({"team": "growth"})
    # when parsed
    problems = problems_of(data)
    # then every one is listed, in document order
    assert problems == [
        "scenario: unknown field 'extra'",
        "stretch_cap: must be a number, not the text '120'",
        "kpis[1] (arpu): threshold is required",
        "competencies[0] (craft).weight: must be a number, not true",
        (
            "participants[0] (lin).actuals.nps: "
            'must be a number or {"excused": "reason"}, not the text \'72\''
        ),
        "participants[0] (lin).ratings.craft.peers: must be a list, not 4",
        "participants[0] (lin).ratings.craft.self: must be a whole number or null, not 3.5",
        (
            "participants[0] (lin).ratings.craft.leader: must be a whole number or null, "
            "not the text '4'"
        ),
        "participants[1]: id is required",
    ]


def test_rule_problems_are_all_listed_with_where_they_are():
    # given the worked example breaking several rules at once
    data = worked_example()
    data["kpis"][3]["threshold"] = 12
    data["competencies"][2]["weight"] = 20
    data["grading"] = {"mode": "curve"}
    lin = data["participants"][0]
    lin["ratings"]["collaboration"]["peers"][1] = 7
    lin["adjustment"] = {"points": 12}
    data["participants"][1]["actuals"]["nps"] = Decimal("NaN")
    data["participants"][2]["actuals"]["mau_growth"] = Decimal("-Infinity")
    data["participants"][3]["actuals"]["revenue"] = 10
    data["participants"][4]["id"] = "lin"
    # when parsed
    problems = problems_of(data)
    # then every one is listed
    assert problems == [
        "grading.mode: 'curve' must be 'bands' or 'forced'",
        "kpis[3] (arpu_growth): threshold 12 must be below target 10 for a higher-is-better KPI",
        "competencies: item weights sum to 90, not 100",
        "participants[0] (lin).ratings.collaboration.peers[1]: 7 is off the scale 1..5",
        "participants[0] (lin).adjustment: 12 is beyond the maximum adjustment of 10 either way",
        "participants[0] (lin).adjustment: a reason is required when the adjustment is not 0",
        "participants[1] (mei).actuals.nps: actual NaN is not a finite number",
        "participants[2] (ravi).actuals.mau_growth: actual -Infinity is not a finite number",
        "participants[3] (sara).actuals.revenue: there is no KPI 'revenue' in the scorecard",
        "participants[4] (lin): id lin is already used by participants[0]",
    ]


def test_nan_and_infinity_in_json_text_are_refused_as_not_finite():
    text = WORKED_EXAMPLE.read_text(encoding="utf-8").replace('"nps": 72', '"nps": NaN', 1)
    text = text.replace('"nps": 80', '"nps": Infinity', 1)

    with pytest.raises(ScenarioError) as refused:
        load_scenario(text)

    assert refused.value.problems == [
        "participants[0] (lin).actuals.nps: actual NaN is not a finite number",
        "participants[1] (mei).actuals.nps: actual Infinity is not a finite number",
    ]


def test_booleans_are_not_numbers():
    data = minimal_scenario()
    data["participants"][0]["actuals"] = {"nps": True}
    data["participants"][0]["ratings"]["craft"]["leader"] = False

    assert problems_of(data) == [
        'participants[0] (lin).actuals.nps: must be a number or {"excused": "reason"}, not true',
        "participants[0] (lin).ratings.craft.leader: must be a whole number or null, not false",
    ]


def test_excused_actual_needs_a_reason():
    data = minimal_scenario()
    data["participants"][0]["actuals"] = {"nps": {"excused": " "}}

    assert problems_of(data) == ["participants[0] (lin).actuals.nps: excused without a reason"]


def test_weights_objects_need_every_key():
    data = minimal_scenario()
    data["section_weights"] = {"kpi": 100}
    data["source_weights"] = {"self": 0, "leader": 100, "peer": 0, "hr": 0}

    assert problems_of(data) == [
        "section_weights: competency is required",
        "source_weights: unknown field 'hr'",
    ]


def test_a_scenario_must_be_an_object():
    assert problems_of([]) == ["scenario: must be an object, not a list"]


def test_invalid_json_text_is_refused_with_its_position():
    with pytest.raises(ScenarioError) as refused:
        load_scenario('{"kpis": [}')

    assert refused.value.problems == [
        "not valid JSON: Expecting value at line 1, column 11",
    ]


# --------------------------------------------------------------------------- scorecard dicts


def test_scorecard_survives_a_round_trip_through_json():
    card, _participants = load_scenario(WORKED_EXAMPLE.read_text(encoding="utf-8"))

    text = json.dumps(scorecard_to_dict(card))
    again = scorecard_from_dict(json.loads(text, parse_float=Decimal, parse_int=Decimal))

    assert again == card


def test_scorecard_dict_uses_the_scenario_field_names():
    card, _participants = parse_scenario(minimal_scenario())

    written = scorecard_to_dict(card)

    assert list(written) == [
        "scale",
        "section_weights",
        "source_weights",
        "min_peer_responses",
        "stretch_cap",
        "max_adjustment",
        "grading",
        "bonus_multipliers",
        "kpis",
        "competencies",
    ]
    assert written["kpis"] == [
        {"key": "nps", "direction": "higher", "threshold": 50, "target": 70, "weight": 100}
    ]
    assert written["bonus_multipliers"] == {"S": 1.5, "A": 1.2, "B": 1, "C": 0.6, "D": 0}


def test_scorecard_from_dict_tolerates_only_the_fields_it_is_told_to_ignore():
    data = {**minimal_scenario(), "name": "Growth PMs"}
    del data["participants"]

    card = scorecard_from_dict(data, ignore=("name",))

    assert card.kpis[0].key == "nps"
    with pytest.raises(ScenarioError) as refused:
        scorecard_from_dict(data)
    assert refused.value.problems == ["scorecard: unknown field 'name'"]


def test_scorecard_from_dict_applies_the_scoring_rules():
    data = minimal_scenario()
    del data["participants"]
    data["kpis"][0]["weight"] = 90

    with pytest.raises(ScenarioError) as refused:
        scorecard_from_dict(data)

    assert refused.value.problems == ["kpis: item weights sum to 90, not 100"]


# --------------------------------------------------------------------------- writing results


def test_results_to_json_writes_two_decimals_and_nulls():
    data = minimal_scenario()
    data["participants"].append({"id": "idle", "actuals": {"nps": {"excused": "leave"}}})

    results = score_cycle(*parse_scenario(data))

    assert results_to_json(results) == {
        "results": [
            {
                "id": "lin",
                "kpi_score": "100.00",
                "competency_score": "75.00",
                "final_score": "90.00",
                "rank": 1,
                "team_rank": 1,
                "grade": "S",
                "flags": [],
            },
            {
                "id": "idle",
                "kpi_score": None,
                "competency_score": None,
                "final_score": None,
                "rank": None,
                "team_rank": None,
                "grade": None,
                "flags": [
                    "excused:nps",
                    "peer_below_minimum:craft",
                    "no_source:craft",
                    "section_dropped:kpi",
                    "section_dropped:competency",
                ],
            },
        ]
    }


def test_results_to_table_aligns_columns():
    results = score_cycle(*load_scenario(WORKED_EXAMPLE.read_text(encoding="utf-8")))

    table = results_to_table(results)

    assert table.splitlines() == [
        "id    team         KPI  competency  final  rank  team rank  grade  flags",
        (
            "lin   growth     81.13       72.00  75.48     3          2  B      "
            "peer_below_minimum:documentation_rigor"
        ),
        "mei   growth    113.00       50.75  88.10     2          1  A",
        "ravi  growth     75.80       75.00  75.48     3          2  B",
        "sara  platform   50.00       75.00  62.00     5          2  C",
        "tom   platform   93.75       87.50  91.25     1          1  S      excused:arpu_growth",
    ]


# --------------------------------------------------------------------------- the command


def test_command_prints_the_worked_example_exactly():
    stdout, stderr = run_command(str(WORKED_EXAMPLE))

    assert stdout == (SCENARIOS / "worked_example.expected.json").read_text(encoding="utf-8")
    assert stderr == ""


def test_worked_example_output_matches_scoring_md():
    stdout, _stderr = run_command(str(WORKED_EXAMPLE))

    results = json.loads(stdout)["results"]

    assert [r["final_score"] for r in results] == ["75.48", "88.10", "75.48", "62.00", "91.25"]
    assert [r["rank"] for r in results] == [3, 2, 3, 5, 1]
    assert [r["grade"] for r in results] == ["B", "A", "B", "C", "S"]
    assert (results[0]["kpi_score"], results[0]["competency_score"]) == ("81.13", "72.00")


def test_every_scenario_file_has_an_expected_result():
    assert {path.name for path in EXPECTED_FILES} >= {
        "worked_example.expected.json",
        "edge_cases.expected.json",
        "ties_and_rounding.expected.json",
        "forced_ties.expected.json",
    }


@pytest.mark.parametrize("expected", EXPECTED_FILES, ids=lambda path: path.name)
def test_command_output_matches_each_expected_file(expected):
    scenario = expected.with_name(expected.name.replace(".expected.json", ".json"))

    stdout, _stderr = run_command(str(scenario))

    assert json.loads(stdout) == json.loads(expected.read_text(encoding="utf-8"))
    assert stdout == expected.read_text(encoding="utf-8")


def test_command_prints_a_readable_table():
    stdout, _stderr = run_command(str(WORKED_EXAMPLE), "--format", "table")

    lines = stdout.splitlines()
    assert lines[0].split() == [
        "id",
        "team",
        "KPI",
        "competency",
        "final",
        "rank",
        "team",
        "rank",
        "grade",
        "flags",
    ]
    assert [line.split()[:5] for line in lines[1:]] == [
        ["lin", "growth", "81.13", "72.00", "75.48"],
        ["mei", "growth", "113.00", "50.75", "88.10"],
        ["ravi", "growth", "75.80", "75.00", "75.48"],
        ["sara", "platform", "50.00", "75.00", "62.00"],
        ["tom", "platform", "93.75", "87.50", "91.25"],
    ]


def test_command_refuses_an_invalid_scenario_printing_no_results(tmp_path):
    # given a scenario with two broken rules
    data = worked_example()
    data["kpis"][0]["weight"] = 20
    data["participants"][0]["ratings"]["collaboration"]["self"] = 6
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    stdout, stderr = StringIO(), StringIO()
    # when it is scored
    with pytest.raises(SystemExit) as refused:
        call_command("score_scenario", str(path), stdout=stdout, stderr=stderr)
    # then each problem is one line on stderr, and nothing is printed
    assert stderr.getvalue().splitlines() == [
        "kpis: item weights sum to 95, not 100",
        "participants[0] (lin).ratings.collaboration.self: 6 is off the scale 1..5",
    ]
    assert stdout.getvalue() == ""
    assert refused.value.code == 1


def test_command_refuses_invalid_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"kpis": ', encoding="utf-8")
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(SystemExit):
        call_command("score_scenario", str(path), stdout=stdout, stderr=stderr)

    assert stderr.getvalue() == "not valid JSON: Expecting value at line 1, column 10\n"
    assert stdout.getvalue() == ""


def test_command_refuses_a_file_it_cannot_read(tmp_path):
    missing = tmp_path / "missing.json"

    with pytest.raises(CommandError) as refused:
        run_command(str(missing))

    assert str(refused.value) == f"{missing}: cannot read the file (No such file or directory)"


def test_command_exits_non_zero_from_the_shell(tmp_path):
    # given an invalid scenario on disk
    data = copy.deepcopy(worked_example())
    data["participants"][0]["adjustment"] = {"points": 11, "reason": "too generous"}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # when manage.py runs it
    completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "score_scenario", str(path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "appraisal.settings.test"},
        check=False,
    )
    # then it fails, says why on stderr, and prints nothing on stdout
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "participants[0] (lin).adjustment: 11 is beyond the maximum adjustment of 10 either way"
    ]


def test_every_problem_of_a_participant_is_listed_even_after_a_type_error(tmp_path):
    scenario = {
        "kpis": [{"key": "k", "direction": "higher", "threshold": 0, "target": 10, "weight": 100}],
        "competencies": [{"key": "c", "weight": 100}],
        "participants": [{"id": "a", "actuals": {"k": "7"}, "ratings": {"c": {"self": 9}}}],
    }

    with pytest.raises(ScenarioError) as refused:
        parse_scenario(scenario)

    assert len(refused.value.problems) == 2
    assert refused.value.problems[0].startswith("participants[0] (a).actuals.k: must be a number")
    assert (
        refused.value.problems[1] == "participants[0] (a).ratings.c.self: 9 is off the scale 1..5"
    )


def test_a_huge_finite_actual_scores_like_any_actual_beyond_the_stretch():
    scenario = {
        "kpis": [
            {
                "key": "k",
                "direction": "higher",
                "threshold": 0,
                "target": Decimal("0.01"),
                "weight": 50,
            },
            {
                "key": "s",
                "direction": "higher",
                "threshold": 0,
                "target": 1,
                "stretch": 2,
                "weight": 50,
            },
        ],
        "competencies": [],
        "section_weights": {"kpi": 100, "competency": 0},
        "participants": [
            {"id": "a", "actuals": {"k": Decimal("9e999999"), "s": Decimal("1e1000000")}}
        ],
    }

    result = results_to_json(score_cycle(*parse_scenario(scenario)))["results"][0]

    assert result["kpi_score"] == "110.00"  # (50·100 + 50·120) / 100


def test_a_huge_rating_is_refused_at_once():
    scenario = {
        "kpis": [{"key": "k", "direction": "higher", "threshold": 0, "target": 10, "weight": 100}],
        "competencies": [{"key": "c", "weight": 100}],
        "participants": [{"id": "a", "ratings": {"c": {"self": Decimal("1e999999999")}}}],
    }

    with pytest.raises(ScenarioError) as refused:
        parse_scenario(scenario)

    assert refused.value.problems == [
        "participants[0] (a).ratings.c.self: 1E+999999999 is far out of range"
    ]


def test_when_the_weighted_section_drops_the_section_of_weight_0_carries_it():
    scenario = {
        "section_weights": {"kpi": 100, "competency": 0},
        "kpis": [{"key": "k", "direction": "higher", "threshold": 0, "target": 10, "weight": 100}],
        "competencies": [{"key": "c", "weight": 100}],
        "participants": [
            {
                "id": "a",
                "team": "t",
                "actuals": {"k": {"excused": "outage"}},
                "ratings": {"c": {"leader": 4}},
            }
        ],
    }

    result = results_to_json(score_cycle(*parse_scenario(scenario)))["results"][0]

    assert (result["competency_score"], result["final_score"], result["rank"], result["grade"]) == (
        "75.00",
        "75.00",
        1,
        "B",
    )
    assert "section_dropped:kpi" in result["flags"]

"""Scenario files (SCORING.md section 7): reading a scorecard and participants' inputs
(`reading`), writing results and scorecards (`writing`). Every public name is here too."""

from kpis.scenario.reading import (
    COMPETENCY_FIELDS,
    KPI_FIELDS,
    PARTICIPANT_FIELDS,
    SCENARIO_FIELDS,
    SCORECARD_FIELDS,
    SETTINGS_FIELDS,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    scorecard_from_dict,
)
from kpis.scenario.writing import results_to_json, results_to_table, scorecard_to_dict

__all__ = [
    "COMPETENCY_FIELDS",
    "KPI_FIELDS",
    "PARTICIPANT_FIELDS",
    "SCENARIO_FIELDS",
    "SCORECARD_FIELDS",
    "SETTINGS_FIELDS",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "results_to_json",
    "results_to_table",
    "scorecard_from_dict",
    "scorecard_to_dict",
]

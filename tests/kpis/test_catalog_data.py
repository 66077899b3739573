"""The shipped KPI catalog, competencies and culture templates obey SCORING.md.

Pure data checks: no database, no Django. Numbers are read as `Decimal` so the sums are
exact, as the scoring itself is.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "kpis" / "data"

CATEGORIES = {"business", "usage", "development", "quality", "efficiency"}
UNITS = {"currency", "percent", "count", "days", "ratio", "score"}
DIRECTIONS = {"higher", "lower"}
GRADES = ["S", "A", "B", "C", "D"]
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
TEMPLATE_KEYS = {"ecommerce", "social", "operations_led", "experience_led", "data_led", "tob_saas"}
SETTING_FIELDS = {
    "scale",
    "section_weights",
    "source_weights",
    "min_peer_responses",
    "stretch_cap",
    "max_adjustment",
    "grading",
}


def load(name):
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)


KPIS = load("kpis.json")
COMPETENCIES = load("competencies.json")
TEMPLATES = load("templates.json")
KPI_BY_KEY = {kpi["key"]: kpi for kpi in KPIS}
COMPETENCY_KEYS = {competency["key"] for competency in COMPETENCIES}


def is_number(value):
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def total(items):
    return sum((Decimal(item["weight"]) for item in items), Decimal(0))


by_template = pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t["key"])


# --- KPI catalog -------------------------------------------------------------------------


def test_catalog_has_enough_kpis_and_competencies():
    assert len(KPIS) >= 30
    assert len(COMPETENCIES) >= 10


def test_kpi_keys_are_unique_snake_case():
    keys = [kpi["key"] for kpi in KPIS]
    assert len(keys) == len(set(keys))
    assert [key for key in keys if not KEY_PATTERN.match(key)] == []


def test_every_category_is_covered():
    assert {kpi["category"] for kpi in KPIS} == CATEGORIES


@pytest.mark.parametrize("kpi", KPIS, ids=lambda kpi: kpi["key"])
def test_kpi_fields_are_valid(kpi):
    assert kpi["category"] in CATEGORIES
    assert kpi["unit"] in UNITS
    assert kpi["direction"] in DIRECTIONS
    for field in ("name", "name_zh", "definition", "definition_zh"):
        assert isinstance(kpi[field], str)
        assert kpi[field].strip(), field
    assert CJK.search(kpi["name_zh"])
    assert CJK.search(kpi["definition_zh"])
    assert isinstance(kpi["formula"], str)


def test_required_kpis_are_in_the_catalog():
    required = {
        # business performance
        "revenue", "bookings", "pipeline_value", "customer_retention_rate",
        "customer_churn_rate", "customer_lifetime_value", "customer_count", "time_to_revenue",
        "gross_margin", "cogs", "nps", "csat", "market_share", "market_position",
        # product usage
        "mau", "feature_users", "feature_adoption_rate", "time_to_first_value",
        "dau_mau_ratio", "bounce_rate", "avg_session_length",
        # development
        "on_time_delivery_rate", "team_velocity", "resource_availability",
        "requirement_change_rate",
        # quality
        "support_tickets", "escalations", "user_complaints", "test_automation_coverage",
        # efficiency
        "support_cost_saved", "man_days_saved",
        # e-commerce, social, operations
        "gmv", "gmv_growth", "payment_conversion_rate", "unique_visitors", "page_views",
        "day1_retention", "day7_retention", "day30_retention", "arpu", "arpu_growth",
        "mau_growth", "average_order_value", "support_tickets_per_1k_users",
    }  # fmt: skip
    assert required - KPI_BY_KEY.keys() == set()


def test_lower_is_better_kpis_say_so():
    lower = {
        "customer_churn_rate", "customer_acquisition_cost", "bounce_rate", "support_tickets",
        "support_tickets_per_1k_users", "cogs", "time_to_revenue", "requirement_change_rate",
        "user_complaints", "escalations",
    }  # fmt: skip
    assert {key: KPI_BY_KEY[key]["direction"] for key in lower} == dict.fromkeys(lower, "lower")


def test_standard_kpis_carry_a_formula():
    keys = [
        "dau_mau_ratio",
        "customer_churn_rate",
        "customer_lifetime_value",
        "arpu",
        "customer_acquisition_cost",
        "payment_conversion_rate",
        "funnel_conversion_rate",
        "gross_margin",
        "nps",
    ]
    assert [key for key in keys if not KPI_BY_KEY[key]["formula"].strip()] == []


# --- competencies ------------------------------------------------------------------------


def test_competency_keys_are_unique_snake_case():
    keys = [competency["key"] for competency in COMPETENCIES]
    assert len(keys) == len(set(keys))
    assert [key for key in keys if not KEY_PATTERN.match(key)] == []


def test_required_competencies_are_in_the_catalog():
    required = {
        "requirement_accuracy",
        "execution_planning",
        "documentation_rigor",
        "collaboration_communication",
        "innovation",
        "market_insight",
        "work_attitude",
        "managing_up",
        "managing_across",
        "managing_down",
        "professional_ethics",
    }
    assert required - COMPETENCY_KEYS == set()


@pytest.mark.parametrize("competency", COMPETENCIES, ids=lambda c: c["key"])
def test_competency_has_both_languages_and_anchors(competency):
    for field in ("name", "name_zh", "description", "description_zh"):
        assert isinstance(competency[field], str)
        assert competency[field].strip(), field
    assert CJK.search(competency["name_zh"])
    for field in ("anchors", "anchors_zh"):
        anchors = competency[field]
        assert {"1", "3", "5"} <= anchors.keys(), field
        assert set(anchors) <= {"1", "2", "3", "4", "5"}, field
        assert all(isinstance(text, str) and text.strip() for text in anchors.values()), field
    assert all(CJK.search(text) for text in competency["anchors_zh"].values())


# --- templates ---------------------------------------------------------------------------


def test_the_six_culture_profiles_are_present_once():
    keys = [template["key"] for template in TEMPLATES]
    assert sorted(keys) == sorted(TEMPLATE_KEYS)


@by_template
def test_template_identity_is_bilingual(template):
    for field in ("name", "name_zh", "description", "description_zh"):
        assert isinstance(template[field], str)
        assert template[field].strip(), field
    assert CJK.search(template["name_zh"])
    assert CJK.search(template["description_zh"])


@by_template
def test_template_settings_are_valid(template):
    assert template.keys() >= SETTING_FIELDS
    scale = template["scale"]
    assert isinstance(scale["lo"], int)
    assert isinstance(scale["hi"], int)
    assert scale["lo"] < scale["hi"]
    assert set(template["section_weights"]) == {"kpi", "competency"}
    assert sum(template["section_weights"].values()) == 100
    assert set(template["source_weights"]) == {"self", "leader", "peer"}
    assert sum(template["source_weights"].values()) == 100
    assert all(weight >= 0 for weight in template["source_weights"].values())
    assert isinstance(template["min_peer_responses"], int)
    assert template["min_peer_responses"] >= 1
    assert template["stretch_cap"] >= 100
    assert template["max_adjustment"] >= 0


@by_template
def test_template_grading_is_valid(template):
    grading = template["grading"]
    if grading["mode"] == "forced":
        assert list(grading["quotas"]) == GRADES
        assert sum(grading["quotas"].values()) == 100
        assert all(quota >= 0 for quota in grading["quotas"].values())
    else:
        assert grading["mode"] == "bands"
        floors = list(grading["bands"].values())
        assert list(grading["bands"]) == GRADES
        assert floors == sorted(floors, reverse=True)
        assert len(set(floors)) == len(floors)
    assert list(template["bonus_multipliers"]) == GRADES
    assert all(value >= 0 for value in template["bonus_multipliers"].values())


def test_at_least_one_template_uses_forced_distribution():
    modes = {template["grading"]["mode"] for template in TEMPLATES}
    assert modes == {"forced", "bands"}


@by_template
def test_template_kpi_items_are_valid(template):
    items = template["kpis"]
    keys = [item["key"] for item in items]
    assert 4 <= len(items) <= 7
    assert len(keys) == len(set(keys))
    assert [key for key in keys if key not in KPI_BY_KEY] == []
    assert total(items) == 100
    for item in items:
        assert is_number(item["weight"])
        assert item["weight"] > 0


@by_template
def test_template_thresholds_are_ordered_by_direction(template):
    misordered = []
    for item in template["kpis"]:
        direction = KPI_BY_KEY[item["key"]]["direction"]
        points = [item["threshold"], item["target"]]
        if item.get("stretch") is not None:
            points.append(item["stretch"])
        assert all(is_number(point) for point in points), item["key"]
        ordered = sorted(points, reverse=direction == "lower")
        if points != ordered or len(set(points)) != len(points):
            misordered.append(item["key"])
    assert misordered == []


@by_template
def test_template_competency_items_are_valid(template):
    items = template["competencies"]
    keys = [item["key"] for item in items]
    assert 5 <= len(items) <= 7
    assert len(keys) == len(set(keys))
    assert [key for key in keys if key not in COMPETENCY_KEYS] == []
    assert total(items) == 100
    for item in items:
        assert is_number(item["weight"])
        assert item["weight"] > 0


def test_tob_saas_kpis_are_the_scoring_worked_example():
    template = next(t for t in TEMPLATES if t["key"] == "tob_saas")
    rows = [
        (item["key"], item["threshold"], item["target"], item.get("stretch"), item["weight"])
        for item in template["kpis"]
    ]
    assert rows == [
        ("mau_growth", 10, 15, 20, 25),
        ("day30_retention", 40, 50, 60, 25),
        ("nps", 50, 70, None, 20),
        ("arpu_growth", 5, 10, 15, 15),
        ("support_tickets_per_1k_users", 12, 8, 5, 15),
    ]
    assert template["section_weights"] == {"kpi": 60, "competency": 40}
    assert template["source_weights"] == {"self": 20, "leader": 50, "peer": 30}

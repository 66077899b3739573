"""Scorecard templates: the shipped catalog, validation naming the item, clone, JSON."""

import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from kpis.models import Competency, Kpi, ScorecardTemplate, TemplateKpi
from kpis.services import (
    TemplateInvalid,
    catalog_load,
    template_clone,
    template_create,
    template_dumps,
    template_import_json,
    template_to_dict,
    template_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    catalog_load()
    return ScorecardTemplate.objects.get(key="tob_saas")


def test_the_shipped_catalog_loads_every_culture_template():
    summary = catalog_load()

    assert Kpi.objects.count() >= 30
    assert Competency.objects.count() >= 10
    assert set(ScorecardTemplate.objects.values_list("key", flat=True)) >= {
        "ecommerce",
        "social",
        "operations_led",
        "experience_led",
        "data_led",
        "tob_saas",
    }
    assert len(summary.templates_created) == 6


def test_loading_the_catalog_twice_changes_nothing_and_keeps_admin_edits(catalog):
    catalog.name = "Our SaaS profile"
    catalog.save(update_fields=["name"])
    counts = (Kpi.objects.count(), Competency.objects.count(), ScorecardTemplate.objects.count())

    summary = catalog_load()

    assert (
        Kpi.objects.count(),
        Competency.objects.count(),
        ScorecardTemplate.objects.count(),
    ) == counts
    assert summary.templates_created == []
    assert ScorecardTemplate.objects.get(key="tob_saas").name == "Our SaaS profile"


def test_the_tob_saas_template_holds_the_worked_example_kpis(catalog):
    data = template_to_dict(catalog)

    assert [
        (i["key"], i["threshold"], i["target"], i["stretch"], i["weight"]) for i in data["kpis"]
    ] == [
        ("mau_growth", 10, 15, 20, 25),
        ("day30_retention", 40, 50, 60, 25),
        ("nps", 50, 70, None, 20),
        ("arpu_growth", 5, 10, 15, 15),
        ("support_tickets_per_1k_users", 12, 8, 5, 15),
    ]
    assert data["section_weights"] == {"kpi": 60, "competency": 40}


def test_weights_that_do_not_sum_to_100_are_refused_naming_the_section(catalog):
    data = template_to_dict(catalog)
    data["kpis"][0]["weight"] = Decimal(30)  # KPI weights now sum to 105
    before = template_to_dict(catalog)

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=catalog, data=data)

    assert invalid.value.problems == ["KPI weights must add up to 100; they add up to 105.00 now."]
    assert template_to_dict(ScorecardTemplate.objects.get(pk=catalog.pk)) == before


def test_thresholds_in_the_wrong_order_are_refused_naming_the_kpi(catalog):
    data = template_to_dict(catalog)
    data["kpis"][4]["threshold"] = Decimal(5)  # lower is better: 5 > 8 is required

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=catalog, data=data)

    name = Kpi.objects.get(key="support_tickets_per_1k_users").name
    assert invalid.value.problems == [
        (
            f"{name}: the threshold must be above the target for a lower-is-better KPI; "
            "it is 5, the target 8."
        )
    ]
    assert (
        TemplateKpi.objects.get(template=catalog, kpi__key="support_tickets_per_1k_users").threshold
        == 12
    )


def test_an_unknown_kpi_is_refused(catalog):
    data = template_to_dict(catalog)
    data["kpis"][0]["key"] = "made_up_kpi"

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=catalog, data=data)

    assert invalid.value.problems == [
        "KPI 1: “made_up_kpi” is not in the KPI catalog; choose a KPI from it."
    ]


def test_the_database_itself_refuses_thresholds_out_of_order(catalog):
    item = TemplateKpi.objects.get(template=catalog, kpi__key="mau_growth")
    item.threshold = Decimal(16)  # above the target of 15

    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_the_database_refuses_section_weights_not_summing_to_100(catalog):
    catalog.kpi_section_weight = Decimal(70)

    with pytest.raises(IntegrityError), transaction.atomic():
        catalog.save()


def test_a_clone_is_an_independent_copy(catalog):
    clone = template_clone(template=catalog)
    data = template_to_dict(clone)
    data["section_weights"] = {"kpi": Decimal(50), "competency": Decimal(50)}

    template_update(template=clone, data=data)

    assert clone.key == "tob_saas-copy"
    assert clone.name == "Copy of ToB SaaS (growth, retention, satisfaction)"
    assert clone.cloned_from == catalog
    assert (
        template_to_dict(ScorecardTemplate.objects.get(pk=clone.pk))["section_weights"]["kpi"] == 50
    )
    assert ScorecardTemplate.objects.get(pk=catalog.pk).kpi_section_weight == 60
    assert template_clone(template=catalog).key == "tob_saas-copy-2"


def test_export_then_import_round_trips_a_template(catalog):
    exported = json.loads(template_dumps(catalog))
    exported["key"] = "tob_saas_2027"

    imported = template_import_json(text=json.dumps(exported))

    original, copy = template_to_dict(catalog), template_to_dict(imported)
    assert {k: v for k, v in copy.items() if k != "key"} == {
        k: v for k, v in original.items() if k != "key"
    }


def test_importing_a_key_that_exists_is_refused_and_creates_nothing(catalog):
    before = ScorecardTemplate.objects.count()

    with pytest.raises(TemplateInvalid) as invalid:
        template_import_json(text=template_dumps(catalog))

    assert invalid.value.problems[0] == "A template with the key “tob_saas” already exists."
    assert ScorecardTemplate.objects.count() == before


def test_importing_broken_json_is_refused_with_a_message():
    with pytest.raises(TemplateInvalid) as invalid:
        template_import_json(text="{not json")

    assert invalid.value.problems[0].startswith("The file is not valid JSON")


def test_creating_a_template_with_every_problem_lists_them_all(catalog):
    data = template_to_dict(catalog)
    data["key"] = "broken"
    data["source_weights"] = {"self": 20, "leader": 50, "peer": 20}
    data["section_weights"] = {"kpi": 60, "competency": 30}
    data["competencies"][0]["weight"] = Decimal(1)

    with pytest.raises(TemplateInvalid) as invalid:
        template_create(data=data)

    assert invalid.value.problems == [
        (
            "The section weights (KPIs and competencies) must add up to 100; "
            "they add up to 90.00 now."
        ),
        "The source weights (self, leader, peers) must add up to 100; they add up to 90.00 now.",
        "Competency weights must add up to 100; they add up to 76.00 now.",
    ]
    assert not ScorecardTemplate.objects.filter(key="broken").exists()


def test_a_changed_item_weight_is_in_the_audit_trail(catalog):

    data = template_to_dict(catalog)
    data["kpis"][0]["weight"] = Decimal(30)
    data["kpis"][1]["weight"] = Decimal(20)

    template_update(template=catalog, data=data)

    history = TemplateKpi.history.filter(template_id=catalog.pk, kpi__key="mau_growth")
    assert sorted(str(record.weight) for record in history) == ["25.00", "25.00", "30.00"]
    assert {record.history_type for record in history} == {"+", "-"}

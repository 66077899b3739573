"""Template and what-if messages name the item by its name and say what to change."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from kpis.selectors import template_preview, template_queryset
from kpis.services import TemplateInvalid, catalog_load, template_to_dict, template_update
from tests.kpis.test_views import editor_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecommerce(db):
    catalog_load()
    return template_queryset().get(key="ecommerce")


def _problems(template, **change) -> list[str]:
    data = template_to_dict(template)
    for path, value in change.items():
        section, index, field = path.split("__")
        data[section][int(index)][field] = value
    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=template, data=data)
    return invalid.value.problems


def test_a_threshold_above_the_target_names_the_kpi_and_the_rule(ecommerce):
    problems = _problems(ecommerce, kpis__0__threshold=Decimal(12))

    assert problems == [
        (
            "GMV growth: the threshold must be below the target for a higher-is-better KPI; "
            "it is 12, the target 10."
        )
    ]


def test_a_stretch_below_the_target_says_it_may_be_left_empty(ecommerce):
    problems = _problems(ecommerce, kpis__0__stretch=Decimal(8))

    assert problems == [
        (
            "GMV growth: the stretch must be above the target for a higher-is-better KPI "
            "(or left empty); it is 8, the target 10."
        )
    ]


def test_item_weights_off_100_say_what_they_add_up_to(ecommerce):
    problems = _problems(ecommerce, competencies__0__weight=Decimal(15))

    assert problems == ["Competency weights must add up to 100; they add up to 95.00 now."]


def test_a_negative_weight_names_the_competency(ecommerce):
    problems = _problems(ecommerce, competencies__0__weight=Decimal(-5))

    assert problems == [
        "Requirement accuracy: give a weight between 0 and 100.",
        "Competency weights must add up to 100; they add up to 75.00 now.",
    ]


def test_an_item_twice_is_named_once_with_what_to_do(ecommerce):
    data = template_to_dict(ecommerce)
    data["kpis"][1]["key"] = "gmv_growth"
    data["kpis"][1].update(threshold=5, target=10, stretch=20)

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=ecommerce, data=data)

    assert "GMV growth is on the scorecard twice: remove one of the rows." in (
        invalid.value.problems
    )


def test_bands_out_of_order_name_the_grades(ecommerce):
    data = template_to_dict(ecommerce)
    data["grading"]["bands"]["B"] = Decimal(85)

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=ecommerce, data=data)

    assert invalid.value.problems == [
        (
            "Grade B: its lowest score must be below grade A's (80); it is 85. "
            "List the grades best first."
        )
    ]


def test_in_chinese_the_message_names_the_kpi_by_its_chinese_name(ecommerce):
    with translation.override("zh-hans"):
        problems = _problems(ecommerce, kpis__0__threshold=Decimal(12))

    # The sentence itself is Chinese once the translations are merged; the name already is.
    assert problems[0].startswith("交易额增长率")


def test_the_preview_names_the_participant_and_competency():
    catalog_load()
    template = template_queryset().get(key="ecommerce")
    data = template_to_dict(template)
    scenario = b'{"participants": [{"id": "x", "ratings": {"requirement_accuracy": {"self": 9}}}]}'

    preview = template_preview(edited=data, saved=data, scenario_bytes=scenario)

    assert preview.problems == [
        (
            "Participant x, Requirement accuracy: the self rating 9 is off the scale; "
            "give a whole number from 1 to 5."
        )
    ]


def test_the_editor_shows_the_named_threshold_message_and_says_nothing_was_saved(
    org, ecommerce, client_as
):
    post = editor_post(template_to_dict(ecommerce), **{"kpis-0-threshold": "12"})

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in content
    assert "GMV growth: the threshold must be below the target for a higher-is-better KPI" in (
        content
    )


def test_a_weight_out_of_range_in_the_editor_names_the_item(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce), **{"competencies-0-weight": "150"})

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post
    )

    assert response.status_code == 400
    assert "Requirement accuracy: Give a weight above 0 and at most 100." in (
        response.content.decode()
    )


def test_an_item_row_without_a_kpi_is_named_by_its_row(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce), **{"kpis-2-kpi": ""})

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post
    )

    assert "KPI 3: Choose a KPI." in response.content.decode()


def test_a_what_if_error_does_not_say_nothing_was_saved(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce), **{"kpis-0-threshold": "12"})
    post["whatif-scenario"] = io.BytesIO(b'{"participants": []}')
    post["whatif-scenario"].name = "scenario.json"

    response = client_as(org["admin"]).post(
        reverse("kpis:template_preview", args=[ecommerce.pk]), post
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "GMV growth: the threshold must be below the target" in content
    assert "Nothing was saved" not in content
    assert "The preview cannot score yet" in content


def test_the_editor_in_chinese_names_the_kpi_in_chinese(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce), **{"kpis-0-threshold": "12"})

    with translation.override("en"):  # the request leaves its language active: restore
        response = client_as(org["admin"]).post(
            reverse("kpis:template_edit", args=[ecommerce.pk]),
            post,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    assert "交易额增长率" in response.content.decode()


def test_a_kpi_weighing_0_is_refused_by_name_before_the_database_would(ecommerce):
    data = template_to_dict(ecommerce)
    data["kpis"][0]["weight"] = Decimal(0)
    data["kpis"][1]["weight"] += data["kpis"][0]["weight"]

    with pytest.raises(TemplateInvalid) as invalid:
        template_update(template=ecommerce, data=data)

    assert invalid.value.problems[0] == (
        "GMV growth: give a weight above 0; an item that should not count is left out of "
        "the template."
    )
    assert template_to_dict(template_queryset().get(pk=ecommerce.pk))["kpis"][0]["weight"] > 0


def test_a_weight_of_0_in_the_editor_says_what_to_give(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce), **{"kpis-0-weight": "0"})

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post
    )

    assert response.status_code == 400
    assert "GMV growth: Give a weight above 0 and at most 100." in response.content.decode()


def test_a_threshold_too_large_for_its_column_names_the_kpi(ecommerce):
    problems = _problems(ecommerce, kpis__0__target=Decimal("1e12"))

    assert problems[0] == (
        "GMV growth (target): 1E+12 does not fit: give at most 12 digits before the decimals "
        "and 4 after."
    )

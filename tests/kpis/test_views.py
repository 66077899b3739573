"""The scorecard pages, per role, and the editor's save, refusal and what-if preview."""

import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from kpis.models import ScorecardTemplate
from kpis.selectors import template_queryset
from kpis.services import catalog_load, template_to_dict

pytestmark = pytest.mark.django_db
SCENARIOS = Path(__file__).resolve().parents[2] / "kpis" / "scenarios"


@pytest.fixture
def ecommerce(db):
    catalog_load()
    return template_queryset().get(key="ecommerce")


def editor_post(data: dict, *, version: int = 0, **overrides) -> dict:
    """The form data the editor page posts for a template dict, read at `version`."""
    post = {
        "settings-version": version,
        "settings-name": data["name"],
        "settings-name_zh": data["name_zh"],
        "settings-description": data["description"],
        "settings-scale_lo": data["scale"]["lo"],
        "settings-scale_hi": data["scale"]["hi"],
        "settings-kpi_section_weight": data["section_weights"]["kpi"],
        "settings-competency_section_weight": data["section_weights"]["competency"],
        "settings-self_weight": data["source_weights"]["self"],
        "settings-leader_weight": data["source_weights"]["leader"],
        "settings-peer_weight": data["source_weights"]["peer"],
        "settings-min_peer_responses": data["min_peer_responses"],
        "settings-stretch_cap": data["stretch_cap"],
        "settings-max_adjustment": data["max_adjustment"],
        "settings-grading_mode": data["grading"]["mode"],
        "grades-TOTAL_FORMS": len(data["grading"]["bands"]),
        "grades-INITIAL_FORMS": len(data["grading"]["bands"]),
        "kpis-TOTAL_FORMS": len(data["kpis"]),
        "kpis-INITIAL_FORMS": len(data["kpis"]),
        "competencies-TOTAL_FORMS": len(data["competencies"]),
        "competencies-INITIAL_FORMS": len(data["competencies"]),
    }
    for index, grade in enumerate(data["grading"]["bands"]):
        post[f"grades-{index}-grade"] = grade
        post[f"grades-{index}-min_score"] = data["grading"]["bands"][grade]
        post[f"grades-{index}-quota"] = data["grading"]["quotas"][grade]
        post[f"grades-{index}-bonus_multiplier"] = data["bonus_multipliers"][grade]
    for index, item in enumerate(data["kpis"]):
        post[f"kpis-{index}-kpi"] = item["key"]
        post[f"kpis-{index}-threshold"] = item["threshold"]
        post[f"kpis-{index}-target"] = item["target"]
        post[f"kpis-{index}-stretch"] = "" if item["stretch"] is None else item["stretch"]
        post[f"kpis-{index}-weight"] = item["weight"]
    for index, item in enumerate(data["competencies"]):
        post[f"competencies-{index}-competency"] = item["key"]
        post[f"competencies-{index}-weight"] = item["weight"]
    post.update(overrides)
    return {key: str(value) for key, value in post.items()}


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("hr", 403), ("leader", 403), ("pm", 403), ("peer", 403)]
)
def test_scorecard_pages_are_for_admins_only(org, ecommerce, client_as, role, status):
    client = client_as(org[role])

    assert client.get(reverse("kpis:template_list")).status_code == status
    assert client.get(reverse("kpis:template_edit", args=[ecommerce.pk])).status_code == status
    assert client.get(reverse("kpis:template_export", args=[ecommerce.pk])).status_code == status
    assert client.get(reverse("kpis:template_import")).status_code == status


@pytest.mark.parametrize("role", ["pm", "leader", "peer", "hr"])
def test_non_admins_cannot_change_a_template_and_nothing_changes(org, ecommerce, client_as, role):
    client = client_as(org[role])
    before = ScorecardTemplate.objects.count()
    post = editor_post(template_to_dict(ecommerce), **{"settings-name": "Hijacked"})

    assert client.post(reverse("kpis:template_edit", args=[ecommerce.pk]), post).status_code == 403
    assert client.post(reverse("kpis:template_clone", args=[ecommerce.pk])).status_code == 403
    preview = reverse("kpis:template_preview", args=[ecommerce.pk])
    assert client.post(preview, post).status_code == 403
    assert ScorecardTemplate.objects.get(pk=ecommerce.pk).name == "E-commerce (transaction-led)"
    assert ScorecardTemplate.objects.count() == before


@pytest.mark.parametrize("role", ["pm", "leader", "peer", "hr", "admin"])
def test_everyone_signed_in_can_read_the_catalog(org, ecommerce, client_as, role):
    client = client_as(org[role])

    kpis = client.get(reverse("kpis:kpi_list")).content.decode()
    competencies = client.get(reverse("kpis:competency_list")).content.decode()

    assert "DAU/MAU" in kpis
    assert "Requirement accuracy" in competencies


def test_the_catalog_filters_by_category(org, ecommerce, client_as):
    content = (
        client_as(org["pm"]).get(reverse("kpis:kpi_list"), {"category": "quality"}).content.decode()
    )

    assert "Support tickets" in content
    assert "Gross merchandise" not in content


def test_admin_moves_weight_from_kpis_to_competencies_and_saves(org, ecommerce, client_as):
    post = editor_post(
        template_to_dict(ecommerce),
        **{"settings-kpi_section_weight": "50", "settings-competency_section_weight": "50"},
    )

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post, follow=True
    )

    assert "saved" in response.content.decode()
    ecommerce.refresh_from_db()
    assert (ecommerce.kpi_section_weight, ecommerce.competency_section_weight) == (50, 50)
    assert ecommerce.history.count() >= 2  # the change is in the audit trail


def test_a_refused_save_lists_the_problems_and_changes_nothing(org, ecommerce, client_as):
    before = template_to_dict(ecommerce)
    post = editor_post(before, **{"kpis-0-weight": "35", "kpis-5-threshold": "1.2"})

    response = client_as(org["admin"]).post(
        reverse("kpis:template_edit", args=[ecommerce.pk]), post
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in content
    assert "KPI weights must add up to 100; they add up to 105.00 now." in content
    assert (
        "User complaints per 1k users: the threshold must be above the target for a "
        "lower-is-better KPI; it is 1.2, the target 1.5."
    ) in content
    assert template_to_dict(template_queryset().get(pk=ecommerce.pk)) == before


def test_removing_an_item_and_adding_another_is_saved(org, ecommerce, client_as):
    data = template_to_dict(ecommerce)
    post = editor_post(data, **{"kpis-5-DELETE": "on", "kpis-0-weight": "40"})

    client_as(org["admin"]).post(reverse("kpis:template_edit", args=[ecommerce.pk]), post)

    keys = [
        item["key"] for item in template_to_dict(template_queryset().get(pk=ecommerce.pk))["kpis"]
    ]
    assert "complaint_rate" not in keys
    assert len(keys) == 5


def test_what_if_preview_scores_the_scenario_and_saves_nothing(org, ecommerce, client_as):
    before = template_to_dict(ecommerce)
    post = editor_post(
        before,
        **{"settings-kpi_section_weight": "50", "settings-competency_section_weight": "50"},
    )
    post["whatif-scenario"] = io.BytesIO((SCENARIOS / "ecommerce_quarter.json").read_bytes())
    post["whatif-scenario"].name = "ecommerce_quarter.json"

    response = client_as(org["admin"]).post(
        reverse("kpis:template_preview", args=[ecommerce.pk]), post
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "liu.yang" in content
    assert "94.81" in content  # saved template (70/30)
    assert "86.71" in content  # with the edit (50/50)
    assert "-8.10" in content
    assert template_to_dict(template_queryset().get(pk=ecommerce.pk)) == before


def test_what_if_preview_with_a_bad_scenario_says_why(org, ecommerce, client_as):
    post = editor_post(template_to_dict(ecommerce))
    post["whatif-scenario"] = io.BytesIO(
        b'{"participants": [{"id": "x", "ratings": {"requirement_accuracy": {"self": 9}}}]}'
    )
    post["whatif-scenario"].name = "bad.json"

    response = client_as(org["admin"]).post(
        reverse("kpis:template_preview", args=[ecommerce.pk]), post
    )

    assert response.status_code == 400
    assert "off the scale" in response.content.decode()


def test_clone_opens_the_copy_in_the_editor(org, ecommerce, client_as):
    response = client_as(org["admin"]).post(
        reverse("kpis:template_clone", args=[ecommerce.pk]), follow=True
    )

    clone = ScorecardTemplate.objects.get(key="ecommerce-copy")
    assert response.redirect_chain[-1][0] == reverse("kpis:template_edit", args=[clone.pk])
    assert "Copy of E-commerce" in response.content.decode()


def test_export_and_import_in_the_browser(org, ecommerce, client_as):
    client = client_as(org["admin"])
    exported = json.loads(client.get(reverse("kpis:template_export", args=[ecommerce.pk])).content)
    exported["key"] = "ecommerce-2027"
    upload = io.BytesIO(json.dumps(exported).encode())
    upload.name = "template.json"

    response = client.post(reverse("kpis:template_import"), {"template_file": upload}, follow=True)

    assert ScorecardTemplate.objects.filter(key="ecommerce-2027").exists()
    assert "Imported" in response.content.decode()


def test_editor_query_count_does_not_grow_with_items(
    org, ecommerce, client_as, django_assert_max_num_queries
):
    client = client_as(org["admin"])
    client.get(reverse("kpis:template_edit", args=[ecommerce.pk]))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("kpis:template_edit", args=[ecommerce.pk]))

    data = template_to_dict(ecommerce)
    data["kpis"][0]["weight"] = 10
    data["kpis"].append(
        {"key": "dau_mau_ratio", "threshold": 10, "target": 20, "stretch": None, "weight": 20}
    )
    client.post(reverse("kpis:template_edit", args=[ecommerce.pk]), editor_post(data))
    assert len(template_to_dict(template_queryset().get(pk=ecommerce.pk))["kpis"]) == 7
    with django_assert_max_num_queries(30) as larger:
        client.get(reverse("kpis:template_edit", args=[ecommerce.pk]))
    assert len(captured.captured_queries) == len(larger.captured_queries)


def test_the_preview_answers_posts_only(org, ecommerce, client_as):
    url = reverse("kpis:template_preview", args=[ecommerce.pk])

    assert client_as(org["admin"]).get(url).status_code == 405


def test_of_two_admins_editing_one_template_the_second_is_refused(org, ecommerce, client_as):
    """Both opened the editor at version 0; the first saves, the second's save would
    overwrite it silently: it is refused with 409 and nothing changes."""
    client = client_as(org["admin"])
    url = reverse("kpis:template_edit", args=[ecommerce.pk])
    page = client.get(url).content.decode()
    assert 'name="settings-version" value="0"' in page
    data = template_to_dict(ecommerce)

    first = client.post(url, editor_post(data, **{"settings-name": "First admin's name"}))
    second = client.post(url, editor_post(data, **{"settings-name": "Second admin's name"}))

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone saved this template after you opened it" in second.content.decode()
    saved = ScorecardTemplate.objects.get(pk=ecommerce.pk)
    assert (saved.name, saved.version) == ("First admin's name", 1)
    again = client.post(url, editor_post(data, version=1, **{"settings-name": "Reloaded"}))
    assert again.status_code == 302
    assert ScorecardTemplate.objects.get(pk=ecommerce.pk).name == "Reloaded"

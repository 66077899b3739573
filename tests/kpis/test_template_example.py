"""The scorecard import page's example file is a template the importer takes unchanged."""

import io
import json

import pytest
from django.urls import reverse

from kpis.models import ScorecardTemplate
from kpis.selectors import template_queryset
from kpis.services import catalog_load

pytestmark = pytest.mark.django_db
EXAMPLE = "kpis:template_import_example"


@pytest.fixture
def catalog(db):
    catalog_load()


def _upload(content: bytes):
    upload = io.BytesIO(content)
    upload.name = "scorecard-example.json"
    return {"template_file": upload}


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("hr", 403), ("leader", 403), ("pm", 403), ("peer", 403)]
)
def test_who_may_import_may_download_the_example(org, catalog, client_as, role, status):
    assert client_as(org[role]).get(reverse(EXAMPLE)).status_code == status


def test_the_import_page_links_the_example(org, catalog, client_as):
    content = client_as(org["admin"]).get(reverse("kpis:template_import")).content.decode()

    assert reverse(EXAMPLE) in content


def test_the_example_uploaded_unchanged_creates_a_template(org, catalog, client_as):
    client = client_as(org["admin"])
    before = ScorecardTemplate.objects.count()
    example = client.get(reverse(EXAMPLE))
    data = json.loads(example.content)

    response = client.post(reverse("kpis:template_import"), _upload(example.content), follow=True)

    created = template_queryset().get(key=data["key"])
    assert example["Content-Disposition"].startswith("attachment;")
    assert ScorecardTemplate.objects.count() == before + 1
    assert response.redirect_chain[-1][0] == reverse("kpis:template_edit", args=[created.pk])
    assert "Imported" in response.content.decode()
    exported = client.get(reverse("kpis:template_export", args=[created.pk])).content
    assert json.loads(exported) == data  # every setting and item as in the file


def test_the_example_is_an_existing_scorecard_under_a_new_key(org, catalog, client_as):
    source = template_queryset().filter(is_active=True).order_by("name").first()

    data = json.loads(client_as(org["admin"]).get(reverse(EXAMPLE)).content)

    exported = json.loads(
        client_as(org["admin"]).get(reverse("kpis:template_export", args=[source.pk])).content
    )
    assert not ScorecardTemplate.objects.filter(key=data["key"]).exists()
    assert data["name"] == f"{source.name} (example)"
    same = {"key", "name", "name_zh"}
    assert {k: v for k, v in data.items() if k not in same} == {
        k: v for k, v in exported.items() if k not in same
    }


def test_a_second_example_after_an_import_has_a_fresh_key_again(org, catalog, client_as):
    client = client_as(org["admin"])
    first = client.get(reverse(EXAMPLE)).content
    client.post(reverse("kpis:template_import"), _upload(first))

    second = client.get(reverse(EXAMPLE)).content
    response = client.post(reverse("kpis:template_import"), _upload(second))

    assert json.loads(second)["key"] != json.loads(first)["key"]
    assert response.status_code == 302


def test_without_any_template_there_is_no_example(org, client_as):
    client = client_as(org["admin"])

    assert client.get(reverse(EXAMPLE)).status_code == 404
    assert reverse(EXAMPLE) not in client.get(reverse("kpis:template_import")).content.decode()

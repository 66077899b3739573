"""The people import page's example CSV is in the importer's columns and is accepted as it
is: downloaded and uploaded back unchanged, it creates a leader and a PM reporting to them."""

import csv
import io

import pytest
from django.urls import reverse

from appraisal.models import Person
from appraisal.services import PEOPLE_CSV_COLUMNS
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def _upload(client, content: bytes):
    upload = io.BytesIO(content)
    upload.name = "people-example.csv"
    return client.post(reverse("people_import"), {"csv_file": upload}, follow=True)


@pytest.mark.parametrize(
    ("role", "status"), [("hr", 200), ("admin", 200), ("leader", 403), ("pm", 403), ("peer", 403)]
)
def test_who_may_import_people_may_download_the_example(org, client_as, role, status):
    assert client_as(org[role]).get(reverse("people_import_example")).status_code == status


def test_the_example_has_the_importers_columns_and_a_leader_with_a_pm(org, client_as):
    response = client_as(org["hr"]).get(reverse("people_import_example"))

    header = response.content.decode().splitlines()[0]
    leader, pm = _rows(response.content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert header.split(",") == list(PEOPLE_CSV_COLUMNS)
    assert (leader["is_pm"], leader["leader_employee_id"]) == ("no", "")
    assert (pm["is_pm"], pm["leader_employee_id"]) == ("yes", leader["employee_id"])
    assert leader["team"] == pm["team"] == "Growth"  # the organisation's product team


def test_the_import_page_shows_and_links_the_example(org, client_as):
    content = client_as(org["hr"]).get(reverse("people_import")).content.decode()

    assert reverse("people_import_example") in content
    assert ",".join(PEOPLE_CSV_COLUMNS) in content


def test_the_example_uploaded_unchanged_creates_its_two_people(org, client_as):
    client = client_as(org["hr"])
    before = Person.objects.count()
    example = client.get(reverse("people_import_example")).content
    leader_row, pm_row = _rows(example)

    response = _upload(client, example)

    assert "Imported: 2 new, 0 updated." in response.content.decode()
    assert Person.objects.count() == before + 2
    pm = Person.objects.select_related("leader", "team").get(employee_id=pm_row["employee_id"])
    assert pm.leader.employee_id == leader_row["employee_id"]
    assert (pm.is_reviewed_pm, pm.team.name) == (True, "Growth")


def test_after_an_import_the_next_example_is_accepted_too(org, client_as):
    client = client_as(org["admin"])
    first = client.get(reverse("people_import_example")).content
    _upload(client, first)
    PersonFactory(employee_id="E9003", team=org["pm"].team)

    second = client.get(reverse("people_import_example")).content
    response = _upload(client, second)

    ids = [row["employee_id"] for row in _rows(second)]
    assert "Imported: 2 new, 0 updated." in response.content.decode()
    assert not {row["employee_id"] for row in _rows(first)} & set(ids)
    assert "E9003" not in ids

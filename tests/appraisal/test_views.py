"""Each page of the organisation layer, per role: who gets it, who gets 403."""

import io

import pytest
from django.urls import reverse

from appraisal.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("home", "my_team", "people_list", "people_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["pm", "leader", "peer", "hr", "admin"])
def test_everyone_signed_in_sees_my_tasks_with_a_friendly_empty_state(org, client_as, role):
    response = client_as(org[role]).get(reverse("home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "My tasks" in content
    assert "You are all caught up" in content


@pytest.mark.parametrize(
    ("role", "sees_team", "sees_people", "sees_admin"),
    [
        ("pm", False, False, False),
        ("peer", False, False, False),
        ("leader", True, False, False),
        ("hr", False, True, False),
        ("admin", False, True, True),
    ],
)
def test_navigation_shows_what_each_role_allows(
    org, client_as, role, sees_team, sees_people, sees_admin
):
    content = client_as(org[role]).get(reverse("home")).content.decode()

    assert (f'href="{reverse("my_team")}"' in content) is sees_team
    assert (f'href="{reverse("people_list")}"' in content) is sees_people
    assert (f'href="{reverse("admin:index")}"' in content) is sees_admin


@pytest.mark.parametrize(
    ("role", "status"), [("leader", 200), ("pm", 403), ("peer", 403), ("hr", 403)]
)
def test_team_page_is_for_leaders_only(org, client_as, role, status):
    response = client_as(org[role]).get(reverse("my_team"))

    assert response.status_code == status


def test_leader_sees_their_own_reports_and_nobody_else(org, client_as):
    content = client_as(org["leader"]).get(reverse("my_team")).content.decode()

    assert "PM One" in content
    assert "PM Two" in content
    assert "Designer" not in content


@pytest.mark.parametrize(
    ("role", "status"), [("hr", 200), ("admin", 200), ("pm", 403), ("leader", 403), ("peer", 403)]
)
def test_people_directory_and_import_are_for_hr_and_admins(org, client_as, role, status):
    client = client_as(org[role])

    assert client.get(reverse("people_list")).status_code == status
    assert client.get(reverse("people_import")).status_code == status


def test_a_pm_cannot_import_people_and_nothing_changes(org, client_as):
    upload = io.BytesIO(b"employee_id,name,email,team\nE1,Sneaky,s@example.com,Growth\n")
    upload.name = "people.csv"

    response = client_as(org["pm"]).post(reverse("people_import"), {"csv_file": upload})

    assert response.status_code == 403
    assert not Person.objects.filter(employee_id="E1").exists()


def test_hr_imports_a_good_file_in_the_browser(org, client_as):
    upload = io.BytesIO(
        b"employee_id,name,email,username,title,team,leader_employee_id,is_pm\n"
        + f"N1,New PM,new.pm@example.com,,PM,Growth,{org['leader'].employee_id},yes\n".encode()
    )
    upload.name = "people.csv"

    response = client_as(org["hr"]).post(
        reverse("people_import"), {"csv_file": upload}, follow=True
    )

    assert "Imported: 1 new, 0 updated." in response.content.decode()
    assert Person.objects.get(employee_id="N1").leader == org["leader"]


def test_hr_sees_every_bad_row_of_a_refused_file(org, client_as):
    upload = io.BytesIO(
        b"employee_id,name,email,team\nN1,Ok,ok@example.com,Growth\nN2,Bad,bad@example.com,Nowhere\n"
        b"N3,Worse,nope,Growth\n"
    )
    upload.name = "people.csv"

    response = client_as(org["hr"]).post(reverse("people_import"), {"csv_file": upload})

    content = response.content.decode()
    assert response.status_code == 400
    assert "The file was refused: 2 problems. Nothing was imported." in content
    assert "Line 3: unknown team “Nowhere”." in content
    assert "Line 4: “nope” is not an e-mail address." in content
    assert not Person.objects.filter(employee_id__in=["N1", "N2", "N3"]).exists()


def test_people_directory_filters_by_team(org, client_as):
    response = client_as(org["hr"]).get(reverse("people_list"), {"team": org["peer"].team_id})

    content = response.content.decode()
    assert "Designer" in content
    assert "PM One" not in content


def test_people_directory_query_count_does_not_grow_with_people(
    org, client_as, django_assert_max_num_queries
):

    client = client_as(org["hr"])
    client.get(reverse("people_list"))  # warm the session
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("people_list"))
    PersonFactory.create_batch(40, team=org["pm"].team, leader=org["leader"])
    client.get(reverse("people_list"))  # the first read after the change re-reads the user's Person
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("people_list"))

    assert len(large.captured_queries) == len(small.captured_queries)

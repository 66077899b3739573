import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from appraisal.demo import DEMO_PASSWORD
from appraisal.models import Person, Team
from appraisal.permissions import user_roles

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_realistic_company_and_prints_how_to_sign_in(capsys):
    call_command("seed_demo")

    output = capsys.readouterr().out
    product_teams = Team.objects.filter(function="product").exclude(name="Product Office")
    assert product_teams.count() >= 4
    for team in product_teams:
        pms = Person.objects.filter(team=team, is_reviewed_pm=True)
        assert 3 <= pms.count() <= 5
        assert pms.values("leader").distinct().count() == 1
    for function in ("design", "engineering", "qa", "operations"):
        assert Person.objects.filter(team__function=function).exists()
    assert "chen.lin" in output
    assert DEMO_PASSWORD in output


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    counts = (Person.objects.count(), Team.objects.count(), get_user_model().objects.count())

    call_command("seed_demo")

    assert (
        Person.objects.count(),
        Team.objects.count(),
        get_user_model().objects.count(),
    ) == counts


def test_every_demo_account_signs_in_with_the_printed_password(demo_company, client):
    for account in demo_company:
        response = client.post(
            reverse("login"), {"username": account.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        assert response.url == reverse("home")
        client.post(reverse("logout"))


def test_demo_roles_come_from_data(demo_company):
    users = {user.username: user for user in get_user_model().objects.all()}

    assert user_roles(users["ye.qing"]).is_hr
    assert user_roles(users["pan.yu"]).is_admin
    assert user_roles(users["zhou.min"]).is_leader
    assert user_roles(users["chen.lin"]).is_pm
    assert not user_roles(users["luo.xin"]).is_pm


def test_seed_demo_brings_changed_passwords_back(demo_company, client):
    user = get_user_model().objects.get(username="chen.lin")
    user.set_password("changed-by-a-visitor")
    user.save()

    call_command("seed_demo")

    response = client.post(reverse("login"), {"username": "chen.lin", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_admin_refuses_a_leader_that_closes_a_loop(demo_company):

    head = Person.objects.get(user__username="xu.hui")
    head.leader = Person.objects.get(user__username="chen.lin")  # chen.lin → zhou.min → xu.hui

    with pytest.raises(ValidationError) as refused:
        head.full_clean()

    assert "loop" in str(refused.value)

"""Sign-in, sign-out, password change and reset, login throttling, languages."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_with_the_right_password_lands_on_my_tasks(org, client):
    response = client.post(
        reverse("login"), {"username": org["pm"].user.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "My tasks" in response.content.decode()


def test_sign_in_with_a_wrong_password_says_so_and_signs_nobody_in(org, client):
    response = client.post(
        reverse("login"), {"username": org["pm"].user.username, "password": "nope"}
    )

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_with_the_right_password(org, client, settings):
    username = org["pm"].user.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})

    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(org, client_as):
    client = client_as(org["pm"])

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_requires_the_old_password(org, client_as):
    client = client_as(org["pm"])

    refused = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Fresh-Pass-2026",
            "new_password2": "Fresh-Pass-2026",
        },
    )
    org["pm"].user.refresh_from_db()
    assert refused.status_code == 200
    assert org["pm"].user.check_password(PASSWORD)

    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh-Pass-2026",
            "new_password2": "Fresh-Pass-2026",
        },
    )
    org["pm"].user.refresh_from_db()
    assert org["pm"].user.check_password("Fresh-Pass-2026")


def test_password_reset_sends_a_link_that_sets_a_new_password(org, client):
    client.post(reverse("password_reset"), {"email": org["pm"].user.email})

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [org["pm"].user.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Pass-9", "new_password2": "Brand-New-Pass-9"},
    )
    org["pm"].user.refresh_from_db()
    assert org["pm"].user.check_password("Brand-New-Pass-9")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()


def test_the_language_switcher_serves_simplified_chinese(org, client_as):
    client = client_as(org["pm"])

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    content = client.get(reverse("home")).content.decode()

    assert "我的任务" in content
    assert '<html lang="zh-hans">' in content


def test_forms_are_csrf_protected(org):

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("login"), {"username": org["pm"].user.username, "password": PASSWORD}
    )

    assert response.status_code == 403


@pytest.fixture
def cached_sessions(settings):
    """Sessions as production keeps them with a shared cache (CACHE_URL): cached_db."""

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    yield
    cache.clear()


def test_with_cached_sessions_a_signed_in_page_skips_the_session_query_and_sign_out_ends_it(
    org, client, cached_sessions
):

    client.post(reverse("login"), {"username": org["pm"].user.username, "password": PASSWORD})
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("home"))
    client.post(reverse("logout"))
    after = client.get(reverse("home"))

    assert "My tasks" in response.content.decode()
    assert not [query for query in page.captured_queries if "django_session" in query["sql"]]
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


def test_a_cached_session_is_read_back_from_the_database_when_the_cache_lost_it(
    org, client, cached_sessions
):

    client.post(reverse("login"), {"username": org["pm"].user.username, "password": PASSWORD})
    cache.clear()  # a restarted Redis

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "My tasks" in response.content.decode()

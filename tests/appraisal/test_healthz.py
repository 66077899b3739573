"""/healthz/: the health check of docker compose and load balancers, and the benchmark's
trivial view (bench/pages.py): public, plain text, no database query."""

import pytest
from django.test.utils import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_health_check_answers_ok_in_plain_text_without_signing_in(client):
    response = client.get("/healthz/")

    assert reverse("healthz") == "/healthz/"
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_makes_no_query_even_for_a_signed_in_user(
    org, client_as, django_assert_num_queries
):
    client = client_as(org["hr"])
    with django_assert_num_queries(0):
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_health_check_makes_no_query_for_an_anonymous_visitor(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert client.get("/healthz/").status_code == 200


def test_the_health_check_only_reads(client):
    assert client.post("/healthz/").status_code == 405
    assert client.head("/healthz/").status_code == 200


@override_settings(
    ALLOWED_HOSTS=["appraisal.example.com"],
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_the_compose_health_check_request_passes_production_host_and_https_checks(client):
    # docker-compose.yml checks http://127.0.0.1:8000/healthz/ from inside the container
    # with the first allowed host and X-Forwarded-Proto, as the TLS proxy in front would.
    plain = client.get("/healthz/", HTTP_HOST="appraisal.example.com")
    checked = client.get(
        "/healthz/", HTTP_HOST="appraisal.example.com", HTTP_X_FORWARDED_PROTO="https"
    )

    assert plain.status_code == 301  # what a bare request would get with redirects on
    assert checked.status_code == 200
    assert checked.content == b"ok"

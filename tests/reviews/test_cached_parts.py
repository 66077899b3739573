"""The cached parts of the busiest pages (appraisal/fragments.py): served from the cache
until a table they read is written, never stale, never another user's CSRF token."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from appraisal import fragments
from appraisal.models import Person
from appraisal.permissions import user_person
from reviews import selectors, views
from reviews.models import Review
from tests.reviews.test_page_queries import company, signed_in  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

TABLE_NAMED = re.compile(r'\b(?:FROM|JOIN)\s+"(\w+)"', re.IGNORECASE)


def pages(cycle, leader, mine, hr) -> list[tuple[str, Person, str, tuple[str, ...]]]:
    """(name, who, URL, tables declared) of each page with a cached part."""
    return [
        (
            "calibration",
            hr,
            reverse("reviews:cycle_results", args=[cycle.pk]),
            views.RESULTS_TABLES,
        ),
        (
            "cycle table",
            hr,
            reverse("reviews:cycle_detail", args=[cycle.pk]),
            views.PROGRESS_TABLES + views.CONTROLS_TABLES,
        ),
        ("team", leader, reverse("reviews:team_cycle", args=[cycle.pk]), views.TEAM_TABLES),
        (
            "result",
            hr,
            reverse("reviews:result_detail", args=[mine[0].pk]),
            views.EXPLANATION_TABLES,
        ),
    ]


def without_tokens(body: str) -> str:
    """The page without its CSRF tokens (masked anew on every response)."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", body)


def get(client: Client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("index", range(4), ids=["calibration", "cycle", "team", "result"])
def test_a_cached_part_spares_its_queries_and_reads_only_declared_tables(company, index):  # noqa: F811
    name, who, url, declared = pages(*company)[index]
    client = signed_in(who)
    client.get(reverse("healthz"))  # the session's first request, whatever it writes
    cache.clear()
    # The user's Person, the cycle, its jobs and the result page's review are cached too,
    # but not as the parts are.
    user_person(User.objects.get(pk=who.user_id))
    selectors.cycle_get(pk=company[0].pk)
    selectors.computation_jobs(cycle=company[0])
    selectors.result_page_review_get(user=company[3].user, pk=company[2][0].pk)

    built, built_queries = get(client, url)
    served, served_queries = get(client, url)

    assert without_tokens(served) == without_tokens(built)
    assert len(served_queries) < len(built_queries), name
    # The queries the cache spared are the part's: every table they read is declared.
    # (The session's query names the time, so it differs between any two requests.)
    spared = [sql for sql in built_queries if sql not in served_queries]
    read = {table for sql in spared for table in TABLE_NAMED.findall(sql)} - {"django_session"}
    assert read, name
    assert read <= set(declared), f"{name} reads undeclared tables: {read - set(declared)}"


def test_a_renamed_pm_shows_under_the_new_name_on_every_cached_page_at_once(company):  # noqa: F811
    _cycle, _leader, mine, _hr = company
    person = mine[0].person
    for _name, who, url, _tables in pages(*company)[:3]:
        assert person.name in get(signed_in(who), url)[0]

    person.name = "Renamed Person"
    person.save(update_fields=["name"])

    for name, who, url, _tables in pages(*company)[:3]:
        assert "Renamed Person" in get(signed_in(who), url)[0], name


def test_a_calibration_shows_at_once_on_the_calibration_and_result_pages(company):  # noqa: F811
    cycle, _leader, _mine, hr = company
    review = Review.objects.filter(cycle=cycle, calibration__isnull=True).first()
    client = signed_in(hr)
    results_url = reverse("reviews:cycle_results", args=[cycle.pk])
    result_url = reverse("reviews:result_detail", args=[review.pk])
    before = get(client, result_url)[0]
    table_before = get(client, results_url)[0]
    assert "Calibrated to" not in before
    assert 'title="panel agreed"' not in table_before

    response = client.post(
        results_url,
        {"action": "calibrate", "review": review.pk, "grade": "A", "reason": "panel agreed"},
    )

    assert response.status_code == 302
    assert "Calibrated to A." in get(client, result_url)[0]
    assert 'title="panel agreed"' in get(client, results_url)[0]


def test_each_user_gets_their_own_csrf_token_in_a_cached_part(company):  # noqa: F811
    cycle, _leader, _mine, hr = company
    url = reverse("reviews:cycle_results", args=[cycle.pk])
    first, second = signed_in(hr), signed_in(hr)

    tokens = []
    for client in (first, second):
        response = client.get(url)
        body = response.content.decode()
        assert fragments.CSRF_PLACEHOLDER not in body
        in_rows = set(re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', body))
        assert len(in_rows) == 1  # one token for the whole page, the rows' forms included
        tokens.append(in_rows.pop())

    assert tokens[0] != tokens[1]
    # The token in the cached rows is accepted: a calibration posted with it goes through.
    response = second.post(
        url,
        {
            "action": "calibrate",
            "review": Review.objects.filter(cycle=cycle).first().pk,
            "grade": "B",
            "reason": "checked",
            "csrfmiddlewaretoken": tokens[1],
        },
    )
    assert response.status_code == 302


def test_a_cached_part_is_kept_per_language(company):  # noqa: F811
    cycle, leader, _mine, _hr = company
    url = reverse("reviews:team_cycle", args=[cycle.pk])
    client = signed_in(leader)
    english = get(client, url)[0]
    client.cookies["django_language"] = "zh-hans"
    try:
        chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    finally:
        translation.deactivate()  # the request left Chinese active in this thread

    assert "Pending" in english or "Submitted" in english
    assert "Pending" not in chinese
    assert "Submitted" not in chinese


def test_the_tables_a_statement_writes():
    assert fragments.written_tables('INSERT INTO "reviews_result" ("a") VALUES (1)') == {
        "reviews_result"
    }
    assert fragments.written_tables('UPDATE "appraisal_person" SET "name" = %s') == {
        "appraisal_person"
    }
    assert fragments.written_tables(
        'WITH stale AS (DELETE FROM "reviews_result" WHERE x) INSERT INTO reviews_result '
        "SELECT * FROM t ON CONFLICT (review_id) DO UPDATE SET grade = EXCLUDED.grade"
    ) == {"reviews_result"}
    assert fragments.written_tables('INSERT OR IGNORE INTO "reviews_rating" VALUES (1)') == {
        "reviews_rating"
    }
    assert fragments.written_tables('TRUNCATE TABLE "reviews_calibration"') == {
        "reviews_calibration"
    }
    assert fragments.written_tables('SELECT * FROM "reviews_cycle" FOR UPDATE') == set()


def test_a_write_renews_its_tables_stamp_and_a_read_does_not(org):
    before = fragments.stamp(["appraisal_person", "appraisal_team"])
    list(Person.objects.all())
    assert fragments.stamp(["appraisal_person", "appraisal_team"]) == before

    Person.objects.filter(pk=org["pm"].pk).update(name="New Name")

    after = fragments.stamp(["appraisal_person", "appraisal_team"])
    assert after != before
    assert after.split(".")[1] == before.split(".")[1]  # the team's stamp is unchanged


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_renews_the_stamp_again_and_a_rolled_back_one_does_not(org):
    tables = ["appraisal_person"]
    with transaction.atomic():
        Person.objects.filter(pk=org["pm"].pk).update(name="Inside")
        inside = fragments.stamp(tables)
    assert fragments.stamp(tables) != inside  # renewed once the rows were visible to all

    try:
        with transaction.atomic():
            Person.objects.filter(pk=org["pm"].pk).update(name="Never")
            inside = fragments.stamp(tables)
            raise RuntimeError
    except RuntimeError:
        pass
    assert fragments.stamp(tables) == inside


def test_a_stamp_lost_from_the_cache_gets_a_new_token():
    before = fragments.stamp(["reviews_result"])
    cache.delete(fragments.STAMP_PREFIX + "reviews_result")
    after = fragments.stamp(["reviews_result"])
    assert after
    assert after != before


def test_nothing_is_cached_when_the_cache_is_off(settings):
    settings.FRAGMENT_CACHE = False
    calls = []
    for _ in range(2):
        fragments.value("x", tables=["reviews_result"], build=lambda: calls.append(1))
    assert fragments.stamp(["reviews_result"]) is None
    assert len(calls) == 2


def test_a_part_made_by_another_release_is_not_served(monkeypatch):
    calls = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    assert fragments.value("x", tables=["reviews_result"], build=build) == 1
    assert fragments.value("x", tables=["reviews_result"], build=build) == 1
    monkeypatch.setattr(fragments, "release", lambda: "the next release")
    assert fragments.value("x", tables=["reviews_result"], build=build) == 2


def test_the_cycle_tables_phase_and_deadline_cards_show_a_change_at_once(company):  # noqa: F811
    cycle, _leader, _mine, hr = company
    client = signed_in(hr)
    url = reverse("reviews:cycle_detail", args=[cycle.pk])
    new_deadline = cycle.acknowledgement_deadline + timedelta(days=9)
    shown = date_format(timezone.localtime(new_deadline), "SHORT_DATETIME_FORMAT")
    before = get(client, url)[0]
    assert shown not in before
    assert "Calibration → Published" not in before

    extended = client.post(
        url,
        {
            "action": "extend",
            "extend-phase": "published",
            "extend-deadline": timezone.localtime(new_deadline).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert extended.status_code == 302
    assert shown in get(client, url)[0]

    moved = client.post(url, {"action": "advance", "advance-override_blockers": "on"})
    assert moved.status_code == 302
    after = get(client, url)[0]
    assert "Calibration → Published (HR Pages)" in after  # with who moved it


def test_a_refused_post_shows_its_errors_and_leaves_the_cached_cards_clean(company):  # noqa: F811
    cycle, _leader, _mine, hr = company
    client = signed_in(hr)
    url = reverse("reviews:cycle_detail", args=[cycle.pk])
    get(client, url)
    deadline = cycle.acknowledgement_deadline
    cache.clear()  # so the refused POST would be the one to store the cards, if any did

    refused = client.post(
        url, {"action": "extend", "extend-phase": "published", "extend-deadline": "someday"}
    )

    assert "Enter a valid date/time." in refused.content.decode()
    cycle.refresh_from_db()
    assert cycle.acknowledgement_deadline == deadline
    assert 'value="someday"' in refused.content.decode()
    again = get(client, url)[0]
    assert "Enter a valid date/time." not in again
    assert "someday" not in again


def test_a_role_given_or_taken_applies_on_the_next_request(company):  # noqa: F811
    """The user's Person and roles are cached too (appraisal.permissions.user_person):
    joining or leaving HR, or gaining a report, shows on the very next request."""
    from django.contrib.auth.models import Group

    from appraisal.permissions import HR_GROUP
    from tests.factories import PersonFactory

    _cycle, _leader, mine, _hr = company
    person = mine[0].person
    client = signed_in(person)
    url = reverse("reviews:cycle_list")
    assert client.get(url).status_code == 403
    assert client.get(url).status_code == 403  # now from the cache

    person.user.groups.add(Group.objects.get(name=HR_GROUP))
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not any('"auth_group"' in query["sql"] for query in captured.captured_queries)

    person.user.groups.clear()
    assert client.get(url).status_code == 403

    team_url = reverse("my_team")
    assert client.get(team_url).status_code == 403
    PersonFactory(team=person.team, leader=person)
    assert client.get(team_url).status_code == 200


def test_the_cycle_is_read_once_then_kept_until_it_its_template_or_creator_changes(company):  # noqa: F811
    cycle = company[0]
    first = selectors.cycle_get(pk=cycle.pk)
    with CaptureQueriesContext(connection) as captured:
        again = selectors.cycle_get(pk=cycle.pk)
    assert captured.captured_queries == []
    assert (again.name, again.template.name) == (first.name, first.template.name)

    # Written by a queryset update, a save and another model's save: each shows at once.
    type(cycle).objects.filter(pk=cycle.pk).update(name="Renamed cycle")
    assert selectors.cycle_get(pk=cycle.pk).name == "Renamed cycle"
    template = cycle.template
    template.name = "Renamed template"
    template.save(update_fields=["name"])
    assert selectors.cycle_get(pk=cycle.pk).template.name == "Renamed template"
    creator = cycle.created_by
    creator.name = "Renamed creator"
    creator.save(update_fields=["name"])
    assert selectors.cycle_get(pk=cycle.pk).created_by.name == "Renamed creator"


def test_a_cycle_that_does_not_exist_or_no_longer_exists_is_a_404(company):  # noqa: F811
    from django.http import Http404

    cycle = company[0]
    with pytest.raises(Http404):
        selectors.cycle_get(pk=cycle.pk + 1000)
    client = signed_in(company[3])
    url = reverse("reviews:cycle_detail", args=[cycle.pk])
    assert client.get(url).status_code == 200

    type(cycle).objects.filter(pk=cycle.pk).delete()

    assert client.get(url).status_code == 404

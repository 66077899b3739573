"""The pages of bench/pages.py keep a constant query count as the company grows, and show
the whole company on paginated tables.

Each test measures a page with few PMs, adds many more (with every input a real cycle has:
actuals, self, leader and peer assessments, peer requests, computed results, calibrations,
acknowledgements), measures again, and asserts the same number of queries."""

import pytest
from django.urls import reverse

from appraisal.models import Team
from reviews.models import Assessment, Phase, Review
from reviews.views.common import PAGE_SIZE
from tests.builders import grow, set_phase, signed_in
from tests.factories import AcknowledgementFactory

pytestmark = pytest.mark.django_db

LIMIT = 40  # a ceiling, so that a page gone quadratic fails fast with its queries listed


@pytest.fixture(autouse=True, params=["built", "cached"])
def page_parts(request, settings):
    """Every page is counted twice: built from the database, with no cached part, and
    served with its cached parts (reviews/page_parts.py) by the request before."""
    settings.PAGE_PARTS = request.param == "cached"
    return request.param


def count_queries(client, url, django_assert_max_num_queries, **params) -> tuple[int, str]:
    client.get(url, params)  # warm: content types, translations, the CSRF cookie
    client.get(url, params)  # cached parts are keyed by the reader's CSRF cookie
    with django_assert_max_num_queries(LIMIT) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


# --- the leader's team page -------------------------------------------------------------------


def test_the_team_page_query_count_does_not_grow_with_pms(company, django_assert_max_num_queries):
    cycle, leader, _mine, hr = company
    client = signed_in(leader)
    url = reverse("reviews:team_cycle", args=[cycle.pk])
    small, before = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr)
    large, after = count_queries(client, url, django_assert_max_num_queries)

    assert before.count("reviews/") < after.count("reviews/")  # the new PMs are listed
    assert "12 participants" in after
    assert small == large


def test_the_published_team_page_with_its_ranking_keeps_its_query_count(
    company, django_assert_max_num_queries
):
    cycle, leader, mine, hr = company
    set_phase(cycle, Phase.PUBLISHED)
    AcknowledgementFactory(review=mine[1], comment="Read it")
    client = signed_in(leader)
    url = reverse("reviews:team_cycle", args=[cycle.pk])
    small, before = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr)
    large, after = count_queries(client, url, django_assert_max_num_queries)

    assert 'id="team-ranking"' in before
    assert after.count("/result/") == 12  # every report ranked, linked to their result
    assert small == large


# --- a result page ------------------------------------------------------------------------------


def test_the_result_page_query_count_does_not_grow_with_pms(company, django_assert_max_num_queries):
    cycle, leader, mine, hr = company
    client = signed_in(hr)
    calibrated, plain = mine[0], mine[1]  # add_pms calibrates every third, from the first
    small = {
        review.pk: count_queries(
            client,
            reverse("reviews:result_detail", args=[review.pk]),
            django_assert_max_num_queries,
        )[0]
        for review in (calibrated, plain)
    }

    grow(cycle, leader, hr)
    large = {
        review.pk: count_queries(
            client,
            reverse("reviews:result_detail", args=[review.pk]),
            django_assert_max_num_queries,
        )
        for review in (calibrated, plain)
    }

    assert f"Result of {plain.person.name}" in large[plain.pk][1]
    assert "Calibrated by HR" in large[calibrated.pk][1]
    assert small == {pk: queries for pk, (queries, _content) in large.items()}


def test_the_leader_reads_a_published_result_in_as_many_queries_at_any_size(
    company, django_assert_max_num_queries
):
    cycle, leader, mine, hr = company
    set_phase(cycle, Phase.PUBLISHED)
    client = signed_in(leader)
    url = reverse("reviews:result_detail", args=[mine[1].pk])
    small, _content = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr)
    large, content = count_queries(client, url, django_assert_max_num_queries)

    assert 'id="final-score"' in content
    assert small == large


# --- HR's cycle table and calibration page, in calibration -------------------------------------


def test_the_cycle_table_in_calibration_keeps_its_query_count_and_counts_everyone(
    company, django_assert_max_num_queries
):
    cycle, leader, _mine, hr = company
    client = signed_in(hr)
    url = reverse("reviews:cycle_detail", args=[cycle.pk])
    small, _content = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr, teams=16)  # 10 + 96 more: three pages of 50
    total = Review.objects.filter(cycle=cycle).count()
    pages = [
        count_queries(client, url, django_assert_max_num_queries, page=number)
        for number in (1, 2, 3)
    ]

    assert 2 * PAGE_SIZE < total <= 3 * PAGE_SIZE
    for _count, content in pages:
        assert f"{total} participants" in content  # the caption counts the cycle
    assert [content.count('title="Audit trail"') for _count, content in pages] == [
        PAGE_SIZE,
        PAGE_SIZE,
        total - 2 * PAGE_SIZE,
    ]
    # The reopen list offers the submitted assessments of the PMs on the page shown.
    submitted = Assessment.objects.filter(review__cycle=cycle, submitted_at__isnull=False)
    offered = [reopen_options(content) for _count, content in pages]
    assert 0 < offered[0] < submitted.count()
    assert sum(offered) == submitted.count()
    assert {small, *(count for count, _content in pages)} == {small}


def reopen_options(content: str) -> int:
    return content.split('id="reopen-assessment"')[1].split("</select>")[0].count("<option")


def test_the_calibration_page_keeps_its_query_count_with_more_pms_teams_and_calibrations(
    company, django_assert_max_num_queries
):
    cycle, leader, _mine, hr = company
    assert cycle.phase == Phase.CALIBRATION
    client = signed_in(hr)
    url = reverse("reviews:cycle_results", args=[cycle.pk])
    small, before = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr, teams=16)
    large, after = count_queries(client, url, django_assert_max_num_queries)
    last, second = count_queries(client, url, django_assert_max_num_queries, page=2)
    filtered, by_team = count_queries(
        client, url, django_assert_max_num_queries, team=leader.team_id
    )

    assert "/calibrate/" in before
    assert after.count("/calibrate/") == PAGE_SIZE
    assert second.count("/calibrate/") == PAGE_SIZE
    assert by_team.count("/calibrate/") == 12
    assert f'<option value="{leader.team_id}" selected>{leader.team.name}</option>' in by_team
    # The filters list only "All teams" (and the chosen one): every team of the cycle
    # comes from their own fragment, asked when a filter is first used.
    assert after.split('id="filter-team"')[1].split("</select>")[0].count("<option") == 1
    assert small == large == last == filtered


def test_the_calibration_filters_list_every_team_and_leader_in_constant_queries(
    company, django_assert_max_num_queries
):
    cycle, leader, _mine, hr = company
    client = signed_in(hr)
    url = reverse("reviews:cycle_results_filter_options", args=[cycle.pk, "team"])
    small, _before = count_queries(client, url, django_assert_max_num_queries)

    grow(cycle, leader, hr, teams=16)
    large, teams = count_queries(client, url, django_assert_max_num_queries, team=leader.team_id)
    leaders_url = reverse("reviews:cycle_results_filter_options", args=[cycle.pk, "leader"])
    by_leader, leaders = count_queries(client, leaders_url, django_assert_max_num_queries)

    team_count = Team.objects.filter(reviews__cycle=cycle).distinct().count()
    assert teams.count("<option") == team_count + 1  # "All teams" and every team
    assert f'<option value="{leader.team_id}" selected>{leader.team.name}</option>' in teams
    assert '<option value="" selected>All leaders</option>' in leaders
    leader_count = Review.objects.filter(cycle=cycle).values("leader").distinct().count()
    assert leaders.count("<option") == leader_count + 1
    assert small == large == by_leader
    assert (
        client.get(
            reverse("reviews:cycle_results_filter_options", args=[cycle.pk, "x"])
        ).status_code
        == 404
    )


def test_the_calibration_page_shows_its_pages_in_the_body_not_the_title(
    company, django_assert_max_num_queries
):
    cycle, leader, _mine, hr = company
    grow(cycle, leader, hr, teams=16)
    content = count_queries(
        signed_in(hr),
        reverse("reviews:cycle_results", args=[cycle.pk]),
        django_assert_max_num_queries,
    )[1]

    title = content.split("<title>")[1].split("</title>")[0]
    body = content.split("<main")[1]
    assert "Page 1 of 3" not in title
    assert "<nav" not in title
    assert "Page 1 of 3" in body
    assert "?page=2&amp;sort=rank" in body

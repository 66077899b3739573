"""Cycle pages per role: who gets each page, who gets 403/404, and what each one shows."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpis.models import ScorecardTemplate
from reviews import services
from reviews.models import Assessment, AssessmentRole, Cycle, Phase, Rating
from tests.builders import HR, PEERS, advance_to, in_review_with_peers

pytestmark = pytest.mark.django_db


def login(client, person):
    """A fresh client signed in as `person` (no cookies or messages carried over)."""
    fresh = Client()
    fresh.force_login(person.user)
    return fresh


def ratings_post(review, value="4", **extra):
    data = {f"rating-{item.pk}": value for item in review.cycle.competency_items.all()}
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("name", "status"),
    [("ye.qing", 200), ("chen.lin", 403), ("zhou.min", 403), ("luo.xin", 403), ("pan.yu", 403)],
)
def test_cycle_pages_are_for_hr(people, open_cycle, client, name, status):
    client = login(client, people[name])

    assert client.get(reverse("reviews:cycle_list")).status_code == status
    assert client.get(reverse("reviews:cycle_create")).status_code == status
    assert client.get(reverse("reviews:cycle_detail", args=[open_cycle.pk])).status_code == status


def test_a_non_hr_post_to_a_cycle_changes_nothing(people, open_cycle, client):
    response = login(client, people["zhou.min"]).post(
        reverse("reviews:cycle_advance", args=[open_cycle.pk]),
        {"advance-override_blockers": "on"},
    )

    assert response.status_code == 403
    assert Cycle.objects.get(pk=open_cycle.pk).phase == Phase.SELF_ASSESSMENT


def test_hr_creates_a_cycle_adds_a_team_and_opens_it(people, client):
    client = login(client, people["ye.qing"])
    now = timezone.now()
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        reverse("reviews:cycle_create"),
        {
            "name": "2027 Q1",
            "period_kind": "quarter",
            "period_start": "2027-01-01",
            "period_end": "2027-03-31",
            "template": ScorecardTemplate.objects.get(key="social").pk,
            "self_assessment_deadline": (now + timedelta(days=7)).strftime(fmt),
            "review_deadline": (now + timedelta(days=14)).strftime(fmt),
            "calibration_deadline": (now + timedelta(days=21)).strftime(fmt),
            "acknowledgement_deadline": (now + timedelta(days=28)).strftime(fmt),
        },
        follow=True,
    )
    cycle = Cycle.objects.get(name="2027 Q1")
    assert "created as a draft" in response.content.decode()

    client.post(
        reverse("reviews:cycle_participants_add", args=[cycle.pk]),
        {"add-teams": [people["chen.lin"].team_id]},
    )
    response = client.post(reverse("reviews:cycle_open", args=[cycle.pk]), follow=True)

    cycle.refresh_from_db()
    assert cycle.phase == Phase.SELF_ASSESSMENT
    assert cycle.reviews.count() == 4
    assert cycle.competency_items.count() == 6
    assert "The cycle is open" in response.content.decode()


def test_deadlines_out_of_order_are_refused_with_a_message(people, client):
    client = login(client, people["ye.qing"])
    response = client.post(
        reverse("reviews:cycle_create"),
        {
            "name": "Backwards",
            "period_kind": "month",
            "period_start": "2027-01-01",
            "period_end": "2027-01-31",
            "template": ScorecardTemplate.objects.get(key="social").pk,
            "self_assessment_deadline": "2027-02-20T12:00",
            "review_deadline": "2027-02-10T12:00",
            "calibration_deadline": "2027-02-25T12:00",
            "acknowledgement_deadline": "2027-02-28T12:00",
        },
    )

    assert response.status_code == 400
    assert "Deadlines must follow the phases" in response.content.decode()
    assert not Cycle.objects.filter(name="Backwards").exists()


def test_a_blocked_move_shows_what_blocks_it_and_needs_confirmation(people, open_cycle, client):
    client = login(client, people["ye.qing"])

    blocked = client.post(reverse("reviews:cycle_advance", args=[open_cycle.pk]))
    assert blocked.status_code == 400
    assert "4 PMs have not submitted their self-assessment" in blocked.content.decode()
    assert Cycle.objects.get(pk=open_cycle.pk).phase == Phase.SELF_ASSESSMENT

    client.post(
        reverse("reviews:cycle_advance", args=[open_cycle.pk]),
        {"advance-override_blockers": "on"},
    )
    assert Cycle.objects.get(pk=open_cycle.pk).phase == Phase.REVIEW


# --- the PM's self-assessment ---------------------------------------------------------------


def test_a_pm_opens_their_own_self_assessment_with_anchors(people, lin_review, client):
    content = (
        login(client, people["chen.lin"])
        .get(reverse("reviews:self_assessment", args=[lin_review.pk]))
        .content.decode()
    )

    assert "Self-assessment" in content
    assert "MAU growth" in content or "mau" in content.lower()
    anchors = lin_review.cycle.competency_items.first().competency.anchors
    assert anchors["5"][:40] in content


@pytest.mark.parametrize("name", ["wang.fang", "zhou.min", "luo.xin", "sarah.johnson"])
def test_nobody_else_opens_a_pms_self_assessment(people, lin_review, client, name):
    response = login(client, people[name]).get(
        reverse("reviews:self_assessment", args=[lin_review.pk])
    )

    assert response.status_code == 404


def test_another_pm_posting_to_a_guessed_url_gets_404_and_nothing_changes(
    people, lin_review, client
):
    response = login(client, people["wang.fang"]).post(
        reverse("reviews:self_assessment_submit", args=[lin_review.pk]),
        ratings_post(lin_review, version="0"),
    )

    assert response.status_code == 404
    assert not Rating.objects.filter(assessment__review=lin_review).exists()


def test_autosave_returns_the_new_version_and_a_reload_shows_the_draft(people, lin_review, client):
    client = login(client, people["chen.lin"])
    item = lin_review.cycle.competency_items.first()

    response = client.post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        {f"rating-{item.pk}": "2", "strengths": "Clear specs", "version": "0"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'value="1"' in response.content.decode()  # the new version, swapped into the form
    assert "Draft saved" in response.content.decode()
    page = client.get(reverse("reviews:self_assessment", args=[lin_review.pk])).content.decode()
    assert f'id="rating-{item.pk}-2" value="2" checked' in page
    assert "Clear specs" in page


def test_a_stale_autosave_is_refused_with_a_conflict(people, lin_review, client):
    client = login(client, people["chen.lin"])
    item = lin_review.cycle.competency_items.first()
    url = reverse("reviews:self_assessment_save", args=[lin_review.pk])
    client.post(url, {f"rating-{item.pk}": "5", "version": "0"}, HTTP_HX_REQUEST="true")

    stale = client.post(url, {f"rating-{item.pk}": "1", "version": "0"}, HTTP_HX_REQUEST="true")

    assert stale.status_code == 409
    assert "Reload the page" in stale.content.decode()
    assert Rating.objects.get(competency=item).value == 5


def test_an_out_of_range_rating_is_refused_with_a_clear_message(people, lin_review, client):
    response = login(client, people["chen.lin"]).post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        ratings_post(lin_review, value="7", version="0"),
    )

    assert response.status_code == 400
    assert "is not a rating from 1 to 5" in response.content.decode()
    assert not Rating.objects.filter(assessment__review=lin_review).exists()


def test_a_non_number_actual_is_refused_and_the_typed_text_is_kept(people, lin_review, client):
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")

    response = login(client, people["chen.lin"]).post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        {f"actual-{mau.pk}": "eighteen", f"evidence-{mau.pk}": "dashboard", "version": "0"},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "“eighteen” is not a number" in content
    assert 'value="eighteen"' in content


def test_submitting_locks_the_page_and_a_late_post_is_refused(people, lin_review, client):
    client = login(client, people["chen.lin"])
    url = reverse("reviews:self_assessment", args=[lin_review.pk])

    client.post(
        reverse("reviews:self_assessment_submit", args=[lin_review.pk]),
        ratings_post(lin_review, version="0"),
    )
    page = client.get(url).content.decode()
    again = client.post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        ratings_post(lin_review, value="1", version="1"),
    )

    assert "Your answers are locked" in page
    assert again.status_code == 400
    assert "locked" in again.content.decode()
    assert set(
        Rating.objects.filter(assessment__review=lin_review).values_list("value", flat=True)
    ) == {4}


def test_my_tasks_lists_the_self_assessment_until_it_is_submitted(people, lin_review, client):
    client = login(client, people["chen.lin"])
    url = reverse("reviews:self_assessment", args=[lin_review.pk])

    assert url in client.get(reverse("home")).content.decode()
    client.post(
        reverse("reviews:self_assessment_submit", args=[lin_review.pk]),
        ratings_post(lin_review, version="0"),
    )
    assert url not in client.get(reverse("home")).content.decode()


# --- peers and leaders ----------------------------------------------------------------------


def test_a_pm_nominates_peers_in_the_browser(people, lin_review, client):
    response = login(client, people["chen.lin"]).post(
        reverse("reviews:peers_nominate", args=[lin_review.pk]),
        {"peers": [people[n].pk for n in PEERS]},
        follow=True,
    )

    assert "Nominations sent" in response.content.decode()
    assert lin_review.peer_requests.count() == 4


def test_the_leader_sees_the_approval_in_my_tasks(people, lin_review, client):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )

    content = login(client, people["zhou.min"]).get(reverse("home")).content.decode()

    assert reverse("reviews:peers", args=[lin_review.pk]) in content


@pytest.mark.parametrize("name", ["wang.fang", "luo.xin", "sarah.johnson"])
def test_peer_lists_are_not_open_to_others(people, lin_review, client, name):
    assert (
        login(client, people[name]).get(reverse("reviews:peers", args=[lin_review.pk])).status_code
        == 404
    )


def test_each_peer_sees_only_their_own_request(people, lin_review, client):
    in_review_with_peers(lin_review, people)
    request = lin_review.peer_requests.get(peer=people["luo.xin"])
    url = reverse("reviews:peer_request", args=[request.pk])

    assert login(client, people["luo.xin"]).get(url).status_code == 200
    for name in ("zheng.kai", "chen.lin", "zhou.min", "han.mei"):
        assert login(client, people[name]).get(url).status_code == 404


def test_peer_ratings_reach_the_leader_only_as_an_anonymous_aggregate(people, lin_review, client):
    in_review_with_peers(lin_review, people)
    for name, value in (("luo.xin", "3"), ("zheng.kai", "4"), ("yang.qian", "5")):
        request = lin_review.peer_requests.get(peer=people[name])
        login(client, people[name]).post(
            reverse("reviews:peer_request_submit", args=[request.pk]),
            ratings_post(lin_review, value=value, version="0", comment=f"a note rating {value}"),
        )
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])

    content = (
        login(client, people["zhou.min"])
        .get(reverse("reviews:leader_review", args=[lin_review.pk]))
        .content.decode()
    )

    assert "Peers: 4 (3 answers)" in content
    # Issue 16: the leader reads the peers' comments, never who wrote them.
    assert all(f"a note rating {value}" in content for value in "345")
    for name in ("Luo Xin", "Zheng Kai", "Yang Qian", "luo.xin", "zheng.kai", "yang.qian"):
        assert name not in content


def test_below_the_minimum_the_leader_sees_no_peer_figure(people, lin_review, client):
    in_review_with_peers(lin_review, people)
    request = lin_review.peer_requests.get(peer=people["luo.xin"])
    login(client, people["luo.xin"]).post(
        reverse("reviews:peer_request_submit", args=[request.pk]),
        ratings_post(lin_review, value="1", version="0"),
    )
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])

    content = (
        login(client, people["zhou.min"])
        .get(reverse("reviews:leader_review", args=[lin_review.pk]))
        .content.decode()
    )

    assert "fewer than 3 answers" in content
    assert "Peers: 1" not in content


def test_the_pm_never_sees_who_rated_what(people, lin_review, client):
    in_review_with_peers(lin_review, people)
    request = lin_review.peer_requests.get(peer=people["luo.xin"])
    login(client, people["luo.xin"]).post(
        reverse("reviews:peer_request_submit", args=[request.pk]),
        ratings_post(lin_review, value="2", version="0", comment="secret remark"),
    )
    client = login(client, people["chen.lin"])

    for url in (reverse("reviews:peers", args=[lin_review.pk]), reverse("home")):
        content = client.get(url).content.decode()
        assert "secret remark" not in content
        assert "Submitted" not in content  # the PM cannot tell who has answered
    assert client.get(reverse("reviews:leader_review", args=[lin_review.pk])).status_code == 404


@pytest.mark.parametrize("name", ["chen.lin", "sarah.johnson", "luo.xin"])
def test_only_the_pms_leader_opens_the_leader_review(people, lin_review, client, name):
    in_review_with_peers(lin_review, people)

    assert (
        login(client, people[name])
        .get(reverse("reviews:leader_review", args=[lin_review.pk]))
        .status_code
        == 404
    )


def test_the_leader_verifies_adjusts_rates_and_submits(people, lin_review, client):
    in_review_with_peers(lin_review, people)
    client = login(client, people["zhou.min"])
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")
    save = reverse("reviews:leader_review_save", args=[lin_review.pk])
    page = {
        "version": "0",
        "review_version": "0",
        f"verify-{mau.pk}": "correct",
        f"corrected-{mau.pk}": "17.5",
        f"actual_version-{mau.pk}": "0",
    }

    refused = client.post(save, {**page, "adjustment": "-12", "adjustment_reason": "too much"})
    client.post(save, {**page, "adjustment": "-2", "adjustment_reason": "late reversals"})
    client.post(
        reverse("reviews:leader_review_submit", args=[lin_review.pk]),
        ratings_post(lin_review, value="3", version="1", comment="Solid quarter")
        | {"confirm_unverified": "1"},
    )

    lin_review.refresh_from_db()
    assert "between -10 and 10" in refused.content.decode()
    assert (lin_review.adjustment, lin_review.adjustment_reason) == (-2, "late reversals")
    assert lin_review.actuals.get(item=mau).verified_value == 17.5
    leader = Assessment.objects.get(review=lin_review, role=AssessmentRole.LEADER)
    assert leader.is_submitted
    assert leader.comment == "Solid quarter"


def test_the_cycle_page_query_count_does_not_grow_with_participants(
    people, open_cycle, client, django_assert_max_num_queries
):
    client = login(client, people["ye.qing"])
    url = reverse("reviews:cycle_detail", args=[open_cycle.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    others = [
        people[name]
        for name in ("liu.yang", "huang.jie", "emma.davis", "wu.xia", "sun.hao", "ma.jun")
    ]
    services.cycle_add_participants(cycle=open_cycle, people=others)
    with django_assert_max_num_queries(40) as large:
        client.get(url)

    assert len(small.captured_queries) == len(large.captured_queries)


def test_hr_chooses_at_creation_whether_pms_see_their_team_rank(people, client):
    hr = login(client, people["ye.qing"])
    data = {
        "name": "2027 Q1",
        "period_kind": "quarter",
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "template": ScorecardTemplate.objects.get(key="tob_saas").pk,
        "self_assessment_deadline": "2027-04-05 18:00",
        "review_deadline": "2027-04-12 18:00",
        "calibration_deadline": "2027-04-19 18:00",
        "acknowledgement_deadline": "2027-04-26 18:00",
    }

    assert (
        "PMs see their rank in their team"
        in hr.get(reverse("reviews:cycle_create")).content.decode()
    )
    hr.post(reverse("reviews:cycle_create"), data)
    hr.post(
        reverse("reviews:cycle_create"),
        {**data, "name": "2027 Q2", "is_team_rank_shown_to_pms": "on"},
    )

    shown = dict(
        Cycle.objects.filter(name__startswith="2027").values_list(
            "name", "is_team_rank_shown_to_pms"
        )
    )
    assert shown == {"2027 Q1": False, "2027 Q2": True}

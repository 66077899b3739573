"""The assessment and peer actions, one URL each: who may post (302), who is refused
(403/404, anonymous people to the sign-in page), that a refused post changes nothing, and
that hostile input is refused with a clear message (400), never a server error."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from reviews import services
from reviews.models import (
    Assessment,
    AssessmentRole,
    AuditAction,
    AuditEntry,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    Rating,
    Review,
)
from tests.builders import HR, PEERS, build_cycle, in_review_with_peers, signed_in

pytestmark = pytest.mark.django_db

OUTSIDERS = ("wang.fang", "luo.xin", "sarah.johnson")  # another PM, a peer, another leader


def ratings(review, value="4", **extra):
    data = {f"rating-{item.pk}": value for item in review.cycle.competency_items.all()}
    return {**data, **extra}


def snapshot(review: Review) -> dict:
    """What the actions below could change about the review. (An empty draft, version 0,
    is not a change: opening the page creates it.)"""
    review.refresh_from_db()
    return {
        "audit": AuditEntry.objects.count(),
        "ratings": list(Rating.objects.order_by("pk").values_list("pk", "value")),
        "assessments": list(
            Assessment.objects.filter(version__gt=0)
            .order_by("pk")
            .values_list("pk", "version", "submitted_at", "comment")
        ),
        "actuals": list(
            KpiActual.objects.order_by("pk").values_list(
                "pk", "reported_value", "verified_value", "excused_reason"
            )
        ),
        "adjustment": (review.adjustment, review.adjustment_reason),
        "peers": list(PeerRequest.objects.order_by("pk").values_list("pk", "peer_id", "status")),
    }


@pytest.fixture
def in_review(lin_review, people):
    """Chen Lin's review in the review phase, with four approved peers."""
    in_review_with_peers(lin_review, people)
    lin_review.refresh_from_db()
    return lin_review


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- who may post: the self-assessment ------------------------------------------------------


@pytest.mark.parametrize("action", ["self_assessment_save", "self_assessment_submit"])
def test_the_pm_saves_and_submits_their_self_assessment(people, lin_review, action):
    response = signed_in(people["chen.lin"]).post(
        reverse(f"reviews:{action}", args=[lin_review.pk]), ratings(lin_review, version="0")
    )

    assessment = Assessment.objects.get(review=lin_review, role=AssessmentRole.SELF)
    assert response.status_code == 302
    assert assessment.version == 1
    assert assessment.is_submitted == (action == "self_assessment_submit")


@pytest.mark.parametrize("action", ["self_assessment_save", "self_assessment_submit"])
@pytest.mark.parametrize("name", ["zhou.min", *OUTSIDERS, HR])
def test_nobody_else_posts_a_self_assessment(people, lin_review, action, name):
    before = snapshot(lin_review)

    response = signed_in(people[name]).post(
        reverse(f"reviews:{action}", args=[lin_review.pk]), ratings(lin_review, version="0")
    )

    assert response.status_code == 404
    assert snapshot(lin_review) == before


@pytest.mark.parametrize(
    "action",
    [
        "self_assessment_save",
        "self_assessment_submit",
        "leader_review_save",
        "leader_review_submit",
        "peers_nominate",
        "peers_approve",
    ],
)
def test_anonymous_posts_go_to_the_sign_in_page(client, lin_review, action):
    before = snapshot(lin_review)

    response = client.post(
        reverse(f"reviews:{action}", args=[lin_review.pk]), ratings(lin_review, version="0")
    )

    assert_login_redirect(response)
    assert snapshot(lin_review) == before


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("self_assessment_save", "review"),
        ("leader_review_submit", "review"),
        ("leader_review_save", "review"),
        ("peers_approve", "review"),
        ("peer_request_decline", "request"),
    ],
)
def test_actions_answer_only_posts(people, in_review, name, args):
    pk = in_review.pk if args == "review" else in_review.peer_requests.first().pk

    assert signed_in(people["zhou.min"]).get(reverse(f"reviews:{name}", args=[pk])).status_code in (
        405,
        404,
    )


def test_the_pages_answer_only_gets(people, lin_review):
    response = signed_in(people["chen.lin"]).post(
        reverse("reviews:self_assessment", args=[lin_review.pk]), ratings(lin_review, version="0")
    )

    assert response.status_code == 405
    assert not Rating.objects.exists()


def test_a_draft_cycles_self_assessment_is_not_open(people):
    draft = build_cycle(actor=people[HR], pms=[people["chen.lin"]])
    review = draft.reviews.get()

    response = signed_in(people["chen.lin"]).post(
        reverse("reviews:self_assessment_save", args=[review.pk]), {"version": "0"}
    )

    assert response.status_code == 404
    assert not Assessment.objects.filter(review=review).exists()


# --- who may post: the leader's review ------------------------------------------------------


def leader_page(review, **extra) -> dict:
    """What the leader's page posts: every KPI's verification (none was reported: all
    excused but one, corrected), the adjustment, the ratings and the words, at version 0."""
    data = ratings(review, version="0", review_version="0", comment="Draft")
    data |= {"adjustment": "-2", "adjustment_reason": "late reversals"}
    for item in review.cycle.kpi_items.all():
        data |= {f"verify-{item.pk}": "excuse", f"actual_version-{item.pk}": "0"}
        data |= {f"excuse-{item.pk}": "not measured"}
    mau = review.cycle.kpi_items.get(kpi__key="mau_growth")
    data |= {f"verify-{mau.pk}": "correct", f"corrected-{mau.pk}": "17.5"}
    return data | extra


def leader_posts(review) -> dict[str, dict]:
    return {
        "leader_review_save": leader_page(review),
        "leader_review_submit": leader_page(review, comment="Done"),
    }


@pytest.mark.parametrize("action", ["leader_review_save", "leader_review_submit"])
def test_the_leader_posts_each_action(people, in_review, action):
    before = snapshot(in_review)

    response = signed_in(people["zhou.min"]).post(
        reverse(f"reviews:{action}", args=[in_review.pk]), leader_posts(in_review)[action]
    )

    assert response.status_code == 302
    assert snapshot(in_review)["audit"] > before["audit"]


@pytest.mark.parametrize("action", ["leader_review_save", "leader_review_submit"])
@pytest.mark.parametrize("name", ["chen.lin", *OUTSIDERS, HR])
def test_nobody_but_the_leader_posts_leader_actions(people, in_review, action, name):
    before = snapshot(in_review)

    response = signed_in(people[name]).post(
        reverse(f"reviews:{action}", args=[in_review.pk]), leader_posts(in_review)[action]
    )

    assert response.status_code == 404
    assert snapshot(in_review) == before


def test_the_leaders_actions_are_refused_outside_the_review_phase(people, lin_review):
    before = snapshot(lin_review)

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:leader_review_save", args=[lin_review.pk]),
        {"version": "0", "review_version": "0", "adjustment": "-2", "adjustment_reason": "early"},
    )

    assert lin_review.cycle.phase == Phase.SELF_ASSESSMENT
    assert response.status_code == 400
    assert "leader assessments are accepted only during review" in response.content.decode()
    assert snapshot(lin_review) == before


# --- who may post: peer feedback ------------------------------------------------------------


def peer_posts(review) -> dict[str, dict]:
    return {
        "peer_request_save": ratings(review, value="3", version="0"),
        "peer_request_submit": ratings(review, value="3", version="0"),
        "peer_request_decline": {"reason": "I have not worked with Chen Lin"},
    }


@pytest.mark.parametrize(
    "action", ["peer_request_save", "peer_request_submit", "peer_request_decline"]
)
def test_the_peer_asked_posts_each_action(people, in_review, action):
    request = in_review.peer_requests.get(peer=people["luo.xin"])

    response = signed_in(people["luo.xin"]).post(
        reverse(f"reviews:{action}", args=[request.pk]), peer_posts(in_review)[action]
    )

    request.refresh_from_db()
    assert response.status_code == 302
    expected = {
        "peer_request_save": PeerRequestStatus.APPROVED,
        "peer_request_submit": PeerRequestStatus.SUBMITTED,
        "peer_request_decline": PeerRequestStatus.DECLINED,
    }
    assert request.status == expected[action]


@pytest.mark.parametrize(
    "action", ["peer_request_save", "peer_request_submit", "peer_request_decline"]
)
@pytest.mark.parametrize("name", ["zheng.kai", "chen.lin", "zhou.min", "sarah.johnson", HR])
def test_nobody_else_answers_a_peer_request(people, in_review, client, action, name):
    request = in_review.peer_requests.get(peer=people["luo.xin"])
    url = reverse(f"reviews:{action}", args=[request.pk])
    before = snapshot(in_review)

    response = signed_in(people[name]).post(url, peer_posts(in_review)[action])

    assert response.status_code == 404
    assert_login_redirect(client.post(url, peer_posts(in_review)[action]))
    assert snapshot(in_review) == before


def test_a_decline_without_a_reason_is_refused(people, in_review):
    request = in_review.peer_requests.get(peer=people["luo.xin"])
    before = snapshot(in_review)

    response = signed_in(people["luo.xin"]).post(
        reverse("reviews:peer_request_decline", args=[request.pk]), {"reason": "  "}
    )

    assert response.status_code == 400
    assert "Give a reason for declining." in response.content.decode()
    assert snapshot(in_review) == before


# --- who may post: peers --------------------------------------------------------------------


def shown_nominations(review) -> str:
    """The nominations the peers page shows, as its approve form posts them."""
    return ",".join(
        str(pk)
        for pk in review.peer_requests.filter(status=PeerRequestStatus.NOMINATED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_the_pm_nominates_and_the_leader_approves(people, lin_review):
    peers = [people[name].pk for name in PEERS]

    nominated = signed_in(people["chen.lin"]).post(
        reverse("reviews:peers_nominate", args=[lin_review.pk]), {"peers": peers}
    )
    removed = lin_review.peer_requests.get(peer=people["han.mei"])
    approved = signed_in(people["zhou.min"]).post(
        reverse("reviews:peers_approve", args=[lin_review.pk]),
        {"remove": [removed.pk], "read_nominations": shown_nominations(lin_review)},
    )

    assert (nominated.status_code, approved.status_code) == (302, 302)
    assert set(lin_review.peer_requests.values_list("peer__user__username", "status")) == {
        (name, PeerRequestStatus.APPROVED) for name in PEERS[:3]
    }


def test_hr_approves_and_adds_a_peer(people, lin_review):
    response = signed_in(people[HR]).post(
        reverse("reviews:peers_approve", args=[lin_review.pk]),
        {"peers": [people[name].pk for name in PEERS[:3]], "read_nominations": ""},
    )

    assert response.status_code == 302
    assert lin_review.peer_requests.filter(status=PeerRequestStatus.APPROVED).count() == 3


@pytest.mark.parametrize(
    ("action", "name", "status"),
    [
        ("peers_nominate", "zhou.min", 403),  # the leader approves, never nominates
        ("peers_nominate", HR, 403),
        ("peers_approve", "chen.lin", 403),  # the PM nominates, never approves
        *[
            (action, name, 404)
            for action in ("peers_nominate", "peers_approve")
            for name in OUTSIDERS
        ],
    ],
)
def test_peer_actions_are_refused_to_the_wrong_people(people, lin_review, action, name, status):
    before = snapshot(lin_review)

    response = signed_in(people[name]).post(
        reverse(f"reviews:{action}", args=[lin_review.pk]),
        {"peers": [people[peer].pk for peer in PEERS]},
    )

    assert response.status_code == status
    assert snapshot(lin_review) == before


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.5", "99999999999999999999999"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_damaged_version_is_refused_with_a_message(people, lin_review, version, htmx):
    before = snapshot(lin_review)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = signed_in(people["chen.lin"]).post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        ratings(lin_review, version=version),
        **headers,
    )

    assert response.status_code == 400
    assert "The page is out of date: reload it and try again." in response.content.decode()
    assert snapshot(lin_review)["ratings"] == before["ratings"]


def verify_one(item, value: str, **extra) -> dict:
    """The leader's page as posted when it corrects one KPI to `value` (and nothing else)."""
    return {
        "version": "0",
        f"verify-{item.pk}": "correct",
        f"corrected-{item.pk}": value,
        f"actual_version-{item.pk}": "0",
        **extra,
    }


def test_a_kpi_of_another_cycle_is_ignored(people, in_review):
    other = build_cycle(
        actor=people[HR], pms=[people["liu.yang"]], phase=Phase.SELF_ASSESSMENT, name="Other"
    )
    foreign = other.kpi_items.first()
    client = signed_in(people["zhou.min"])
    url = reverse("reviews:leader_review_save", args=[in_review.pk])

    response = client.post(url, verify_one(foreign, "3"))

    assert response.status_code == 302
    assert not KpiActual.objects.filter(item=foreign).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ACTUAL_VERIFIED).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,5", "“1,5” is not a number: write it like 1,234.5."),
        ("eighteen", "“eighteen” is not a number"),
        ("1e400", "“1e400” is not a number"),
        ("NaN", "“NaN” is not a number"),
        ("99999999999999999999", "is too large: give at most 12 digits before the decimals"),
        ("1.123456", "Give 1.123456 with at most 4 decimals: it is not rounded."),
    ],
)
def test_a_bad_verified_value_is_refused_with_a_message(people, in_review, value, message):
    mau = in_review.cycle.kpi_items.get(kpi__key="mau_growth")
    before = snapshot(in_review)

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:leader_review_save", args=[in_review.pk]), verify_one(mau, value)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(in_review) == before


@pytest.mark.parametrize(("typed", "read"), [("1,500", "1500"), ("-0.25", "-0.25"), ("17", "17")])
def test_numbers_are_read_in_the_languages_format(people, in_review, typed, read):
    mau = in_review.cycle.kpi_items.get(kpi__key="mau_growth")

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:leader_review_save", args=[in_review.pk]), verify_one(mau, typed)
    )

    assert response.status_code == 302
    assert in_review.actuals.get(item=mau).verified_value == Decimal(read)


def test_in_chinese_1_comma_5_is_refused_in_chinese(people, in_review):
    mau = in_review.cycle.kpi_items.get(kpi__key="mau_growth")
    client = signed_in(people["zhou.min"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    before = snapshot(in_review)

    response = client.post(
        reverse("reviews:leader_review_save", args=[in_review.pk]), verify_one(mau, "1,5")
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="zh-hans">' in content
    assert "“1,5”不是数字" in content
    assert snapshot(in_review) == before


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("abc", "“abc” is not a number"),
        ("1,5", "“1,5” is not a number"),
        ("1e999", "“1e999” is not a number"),
        ("99999999", "is too large: give at most 4 digits before the decimals"),
        ("-12", "between -10 and 10"),
    ],
)
def test_a_bad_adjustment_is_refused_with_a_message(people, in_review, points, message):
    before = snapshot(in_review)

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:leader_review_save", args=[in_review.pk]),
        {
            "version": "0",
            "review_version": "0",
            "adjustment": points,
            "adjustment_reason": "because",
        },
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(in_review) == before


def test_a_self_assessment_actual_of_1_comma_5_is_refused(people, lin_review):
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")

    response = signed_in(people["chen.lin"]).post(
        reverse("reviews:self_assessment_save", args=[lin_review.pk]),
        {f"actual-{mau.pk}": "1,5", "version": "0"},
    )

    assert response.status_code == 400
    assert "“1,5” is not a number" in response.content.decode()
    assert not KpiActual.objects.filter(review=lin_review).exists()


@pytest.mark.parametrize(
    "chosen",
    [
        ["abc"],
        ["99999999999999999999999"],
        ["wang.fang"],  # the PM's own team: not a candidate
        ["chen.lin"],  # the PM
    ],
)
def test_a_nomination_outside_the_candidates_is_refused(people, lin_review, chosen):
    before = snapshot(lin_review)
    values = [people[name].pk if name in people else name for name in chosen]

    response = signed_in(people["chen.lin"]).post(
        reverse("reviews:peers_nominate", args=[lin_review.pk]), {"peers": values}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(lin_review) == before


def test_removing_another_reviews_peer_request_is_refused(people, lin_review):
    wang = lin_review.cycle.reviews.get(person=people["wang.fang"])
    services.peer_nominations_set(
        review=wang, actor=wang.person, peers=[people[name] for name in PEERS]
    )
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[name] for name in PEERS]
    )
    before = snapshot(lin_review)

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:peers_approve", args=[lin_review.pk]),
        {
            "remove": [wang.peer_requests.first().pk],
            "read_nominations": shown_nominations(lin_review),
        },
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(lin_review) == before


def test_the_upload_of_actuals_is_attributed_to_who_sent_it(people, open_cycle):
    upload = io.BytesIO(b"pm,kpi,value,evidence\nchen.lin,mau_growth,18,dashboard\n")
    upload.name = "actuals.csv"

    response = signed_in(people["zhou.min"]).post(
        reverse("reviews:actuals_upload", args=[open_cycle.pk]), {"file": upload}
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action=AuditAction.ACTUAL_IMPORTED).latest("pk")
    assert entry.actor == people["zhou.min"]


def test_a_refused_autosave_leaves_the_page_stale_so_the_next_one_is_refused_too(
    people, lin_review
):
    """Two tabs: the second tab's autosave is refused, and its answer must not hand it the
    new version, or its next autosave would overwrite the first tab's answers."""
    pm = signed_in(people["chen.lin"])
    url = reverse("reviews:self_assessment_save", args=[lin_review.pk])
    first = pm.post(url, ratings(lin_review, value="5", version="0"), HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert 'id="assessment-version" value="1"' in first.content.decode()

    stale = pm.post(url, ratings(lin_review, value="2", version="0"), HTTP_HX_REQUEST="true")

    assert stale.status_code == 409
    assert 'id="assessment-version"' not in stale.content.decode()
    assert set(
        Rating.objects.filter(assessment__review=lin_review).values_list("value", flat=True)
    ) == {5}


def test_approving_a_list_the_pm_changed_since_the_page_was_read_is_refused(people, lin_review):
    pm, leader = signed_in(people["chen.lin"]), signed_in(people["zhou.min"])
    pm.post(
        reverse("reviews:peers_nominate", args=[lin_review.pk]),
        {"peers": [people[name].pk for name in PEERS[:3]]},
    )
    page = leader.get(reverse("reviews:peers", args=[lin_review.pk])).content.decode()
    read = shown_nominations(lin_review)
    assert f'name="read_nominations" value="{read}"' in page
    pm.post(
        reverse("reviews:peers_nominate", args=[lin_review.pk]),
        {"peers": [people[name].pk for name in PEERS]},
    )
    before = snapshot(lin_review)

    stale = leader.post(
        reverse("reviews:peers_approve", args=[lin_review.pk]), {"read_nominations": read}
    )
    missing = leader.post(reverse("reviews:peers_approve", args=[lin_review.pk]), {})

    assert stale.status_code == 409
    assert "changed their nominations after you opened this page" in stale.content.decode()
    assert missing.status_code == 400
    assert snapshot(lin_review) == before

"""The leader's review page is one form: one save writes the actuals' verification, the
adjustment, the ratings and the words (all or nothing, each audited); a page read before
another tab saved is refused (409) and writes nothing; a bad number changes nothing;
submitting with unverified actuals asks first."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import (
    Assessment,
    AssessmentRole,
    AuditAction,
    AuditEntry,
    KpiActual,
    Rating,
    Review,
)
from tests.builders import HR, in_review_with_peers, signed_in

pytestmark = pytest.mark.django_db

OUTSIDERS = ("chen.lin", "wang.fang", "luo.xin", "sarah.johnson", HR)


@pytest.fixture
def review(lin_review, people):
    """Chen Lin's review in the review phase, every KPI reported (12.50, 13.50, ...)."""
    cycle = lin_review.cycle
    mine = services.assessment_get_or_create(
        review=lin_review, assessor=lin_review.person, role=AssessmentRole.SELF
    )
    services.assessment_save(
        assessment=mine,
        actor=lin_review.person,
        version=0,
        ratings={item.pk: 4 for item in cycle.competency_items.all()},
        actuals={
            item.pk: services.ActualInput(Decimal("12.50") + index, "dashboard")
            for index, item in enumerate(cycle.kpi_items.all())
        },
        submit=True,
    )
    in_review_with_peers(lin_review, people)
    lin_review.refresh_from_db()
    return lin_review


def kpis(review: Review) -> list:
    return list(review.cycle.kpi_items.order_by("position"))


def page(review: Review, **extra) -> dict:
    """The form as the page posts it untouched: every KPI not verified yet, no adjustment,
    no ratings, at the versions saved now."""
    leader = Assessment.objects.filter(review=review, role=AssessmentRole.LEADER).first()
    review.refresh_from_db()
    data = {
        "version": str(leader.version if leader else 0),
        "review_version": str(review.version),
        "adjustment": "0",
        "adjustment_reason": "",
        "comment": "",
    }
    for actual in KpiActual.objects.filter(review=review):
        data |= {
            f"verify-{actual.item_id}": "",
            f"corrected-{actual.item_id}": "",
            f"excuse-{actual.item_id}": "",
            f"actual_version-{actual.item_id}": str(actual.version),
        }
    return data | extra


def everything(review: Review, **extra) -> dict:
    """Two actuals confirmed, one corrected, one excused, the adjustment, every rating, a
    comment."""
    first, second, third, fourth = kpis(review)[:4]
    ratings = {f"rating-{item.pk}": "4" for item in review.cycle.competency_items.all()}
    return page(
        review,
        **{
            f"verify-{first.pk}": "confirm",
            f"verify-{second.pk}": "confirm",
            f"verify-{third.pk}": "correct",
            f"corrected-{third.pk}": "11",
            f"verify-{fourth.pk}": "excuse",
            f"excuse-{fourth.pk}": "survey vendor outage",
            "adjustment": "-1.5",
            "adjustment_reason": "late reversals",
            "comment": "A solid quarter.",
            **ratings,
            **extra,
        },
    )


def state(review: Review) -> dict:
    """Everything a save of the page could change. (An empty draft, version 0, is not a
    change: opening the page creates it.)"""
    review.refresh_from_db()
    return {
        "audit": AuditEntry.objects.count(),
        "actuals": list(
            KpiActual.objects.filter(review=review)
            .order_by("pk")
            .values_list("pk", "verified_value", "excused_reason", "verified_by", "version")
        ),
        "review": (review.adjustment, review.adjustment_reason, review.version),
        "assessments": list(
            Assessment.objects.filter(
                review=review, role=AssessmentRole.LEADER, version__gt=0
            ).values_list("version", "comment", "submitted_at")
        ),
        "ratings": list(
            Rating.objects.filter(assessment__role=AssessmentRole.LEADER).values_list(
                "competency_id", "value"
            )
        ),
    }


def save(review: Review, data: dict, *, htmx: bool = False, people=None):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return signed_in(review.leader).post(
        reverse("reviews:leader_review_save", args=[review.pk]), data, **headers
    )


def submit(review: Review, data: dict):
    return signed_in(review.leader).post(
        reverse("reviews:leader_review_submit", args=[review.pk]), data
    )


# --- one save -------------------------------------------------------------------------------


def test_one_save_writes_everything_on_the_page(review):
    first, second, third, fourth = kpis(review)[:4]

    response = save(review, everything(review))

    assert response.status_code == 302
    actuals = {actual.item_id: actual for actual in review.actuals.all()}
    assert actuals[first.pk].verified_value == actuals[first.pk].reported_value == Decimal("12.5")
    assert actuals[second.pk].verified_value == Decimal("13.5")
    assert (actuals[third.pk].reported_value, actuals[third.pk].verified_value) == (
        Decimal("14.5"),
        Decimal(11),
    )
    assert actuals[fourth.pk].excused_reason == "survey vendor outage"
    assert {actuals[item.pk].verified_by for item in (first, second, third, fourth)} == {
        review.leader
    }
    review.refresh_from_db()
    assert (review.adjustment, review.adjustment_reason, review.version) == (
        Decimal("-1.5"),
        "late reversals",
        1,
    )
    leader = Assessment.objects.get(review=review, role=AssessmentRole.LEADER)
    assert (leader.comment, leader.version, leader.is_submitted) == ("A solid quarter.", 1, False)
    assert set(leader.ratings.values_list("value", flat=True)) == {4}


def test_each_changed_thing_is_audited_once(review):
    save(review, everything(review))

    entries = AuditEntry.objects.filter(review=review, actor=review.leader)
    assert entries.filter(action=AuditAction.ACTUAL_VERIFIED).count() == 4
    assert entries.filter(action=AuditAction.ADJUSTMENT_CHANGED).count() == 1
    assert entries.filter(action=AuditAction.RATING_CHANGED).count() == (
        review.cycle.competency_items.count()
    )
    assert entries.filter(action=AuditAction.ASSESSMENT_CHANGED).count() == 1
    excused = entries.get(action=AuditAction.ACTUAL_VERIFIED, reason="survey vendor outage")
    assert excused.changes == [["kpiactual.excused_reason", "", "survey vendor outage"]]


def test_saving_the_page_unchanged_writes_no_entry(review):
    save(review, everything(review))
    count = AuditEntry.objects.count()

    response = save(review, everything(review))

    assert response.status_code == 302
    assert AuditEntry.objects.count() == count


def test_not_yet_undoes_a_verification(review):
    first = kpis(review)[0]
    save(review, everything(review))

    save(review, page(review, **{f"verify-{first.pk}": ""}))

    actual = review.actuals.get(item=first)
    assert (actual.verified_value, actual.verified_by, actual.verified_at) == (None, None, None)


def test_the_page_shows_a_corrected_value_apart_from_a_confirmed_one(review):
    save(review, everything(review))

    content = signed_in(review.leader).get(reverse("reviews:leader_review", args=[review.pk]))
    content = content.content.decode()

    assert content.count("verification-confirmed") == 2
    assert content.count("verification-corrected") == 1
    assert "Corrected: 14.5 → 11" in content
    assert content.count("verification-excused") == 1
    assert "12.50" not in content  # no trailing zeros

    assert 'value="-1.5"' in content


# --- a second tab ---------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["actual", "adjustment", "ratings"])
def test_a_page_read_before_another_tab_saved_is_refused(review, part):
    first = kpis(review)[0]
    stale = everything(review)
    other_tab = {
        "actual": page(review, **{f"verify-{first.pk}": "confirm"}),
        "adjustment": page(review, adjustment="2", adjustment_reason="other tab"),
        "ratings": page(review, comment="from the other tab"),
    }[part]
    assert save(review, other_tab).status_code == 302
    # Only the part the other tab changed is stale; the rest is as the stale page read it.
    if part != "ratings":
        stale["version"] = page(review)["version"]
    before = state(review)

    response = save(review, stale)

    assert response.status_code == 409
    assert "Someone saved this review after you opened it" in response.content.decode()
    assert state(review) == before


def test_an_autosave_from_a_stale_page_is_refused_and_keeps_the_pages_versions(review):
    stale = everything(review)
    save(review, page(review, adjustment="2", adjustment_reason="other tab"))
    stale["version"] = page(review)["version"]
    before = state(review)

    response = save(review, stale, htmx=True)

    assert response.status_code == 409
    assert 'id="review-version"' not in response.content.decode()
    assert state(review) == before


def test_an_autosave_answers_with_the_new_versions_and_badges(review):
    third = kpis(review)[2]

    response = save(review, everything(review), htmx=True)

    content = response.content.decode()
    actual = review.actuals.get(item=third)
    assert response.status_code == 200
    assert 'id="assessment-version" value="1" hx-swap-oob="true"' in content
    assert 'id="review-version" value="1" hx-swap-oob="true"' in content
    assert f'id="actual-version-{third.pk}" value="{actual.version}" hx-swap-oob="true"' in content
    assert "Corrected: 14.5 → 11" in content


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("corrected", "abc", "“abc” is not a number"),
        ("corrected", "1e999", "“1e999” is not a number"),
        ("adjustment", "abc", "“abc” is not a number"),
        ("adjustment", "1e999", "“1e999” is not a number"),
        ("adjustment", "10.5", "between -10 and 10"),
    ],
)
def test_a_bad_number_changes_nothing(review, field, value, message):
    third = kpis(review)[2]
    data = everything(review)
    data[f"corrected-{third.pk}" if field == "corrected" else "adjustment"] = value
    before = state(review)

    response = save(review, data)

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "A solid quarter." in content  # what was typed is shown again
    assert state(review) == before


@pytest.mark.parametrize(
    ("choice", "message"),
    [("correct", "enter the corrected value"), ("excuse", "give a reason to excuse it")],
)
def test_a_correction_without_value_or_an_excuse_without_reason_is_refused(review, choice, message):
    first = kpis(review)[0]
    before = state(review)

    response = save(review, everything(review, **{f"verify-{first.pk}": choice}))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(review) == before


def test_nothing_reported_cannot_be_confirmed(review):
    first = kpis(review)[0]
    KpiActual.objects.filter(review=review, item=first).update(reported_value=None)
    before = state(review)

    response = save(review, everything(review))

    assert response.status_code == 400
    assert "nothing was reported to confirm" in response.content.decode()
    assert state(review) == before


# --- submitting -----------------------------------------------------------------------------


def test_submitting_with_unverified_actuals_asks_first(review):
    fifth = kpis(review)[4]
    before = state(review)

    response = submit(review, everything(review))

    content = response.content.decode()
    assert response.status_code == 400
    assert 'id="unverified-warning"' in content
    assert str(fifth.kpi) in content
    assert 'name="confirm_unverified"' in content
    assert state(review) == before
    assert not Assessment.objects.filter(review=review, submitted_at__isnull=False).filter(
        role=AssessmentRole.LEADER
    )


def test_submit_anyway_submits(review):
    response = submit(review, everything(review, confirm_unverified="1"))

    assert response.status_code == 302
    leader = Assessment.objects.get(review=review, role=AssessmentRole.LEADER)
    assert leader.is_submitted
    assert review.actuals.filter(verified_value__isnull=False).count() == 3


def test_submitting_with_every_actual_verified_asks_nothing(review):
    extra = {f"verify-{item.pk}": "confirm" for item in kpis(review)[4:]}

    response = submit(review, everything(review, **extra))

    assert response.status_code == 302
    assert Assessment.objects.get(review=review, role=AssessmentRole.LEADER).is_submitted


def test_the_submit_button_says_what_happens(review):
    content = signed_in(review.leader).get(reverse("reviews:leader_review", args=[review.pk]))

    assert "data-confirm=" in content.content.decode()
    assert "It locks the review" in content.content.decode()


# --- who -----------------------------------------------------------------------------------


def test_the_pms_leader_opens_the_page(review):
    response = signed_in(review.leader).get(reverse("reviews:leader_review", args=[review.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("name", OUTSIDERS)
def test_nobody_else_opens_or_saves_the_page(review, people, name):
    before = state(review)
    client = signed_in(people[name])

    assert client.get(reverse("reviews:leader_review", args=[review.pk])).status_code == 404
    for action in ("leader_review_save", "leader_review_submit"):
        url = reverse(f"reviews:{action}", args=[review.pk])
        assert client.post(url, everything(review)).status_code == 404
    assert state(review) == before


def test_the_removed_urls_are_gone(review):
    client = signed_in(review.leader)

    for path in ("verify", "adjust"):
        assert client.post(f"/reviews/{review.pk}/lead/{path}/", {}).status_code == 404


def test_an_actual_reported_after_the_page_was_read_makes_it_stale(review):
    fifth = kpis(review)[4]
    stale = everything(review, **{f"verify-{fifth.pk}": "excuse", f"excuse-{fifth.pk}": "n/a"})
    KpiActual.objects.filter(review=review, item=fifth).delete()
    stale[f"actual_version-{fifth.pk}"] = "0"  # the page read no actual for it
    services.actuals_report(
        review=review,
        actor=review.person,
        actuals={fifth.pk: services.ActualInput(Decimal(9), "late export")},
    )
    before = state(review)

    response = save(review, stale)

    assert response.status_code == 409
    assert state(review) == before

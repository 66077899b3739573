"""The plan page per role: the leader writes it during their review, HR reads it, the PM
reads it once the cycle is published; peers and other PMs are not shown it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from growth.models import DevelopmentAction, DevelopmentPlan
from reviews.models import AuditAction, AuditEntry, Phase
from tests.builders import HR, advance_to, signed_in
from tests.growth.conftest import publish_with_results, write_plan

pytestmark = pytest.mark.django_db


def plan_url(review) -> str:
    return reverse("growth:plan", args=[review.pk])


def posted_plan(rows, *, version=0, initial=0) -> dict:
    """The plan form as the browser posts it: `rows` of (id or "", what, owner, due)."""
    data = {
        "version": version,
        "actions-TOTAL_FORMS": len(rows),
        "actions-INITIAL_FORMS": initial,
        "actions-MIN_NUM_FORMS": 0,
        "actions-MAX_NUM_FORMS": 1000,
    }
    for index, (pk, what, owner, due) in enumerate(rows):
        data |= {
            f"actions-{index}-id": pk,
            f"actions-{index}-what": what,
            f"actions-{index}-owner": owner,
            f"actions-{index}-due_on": due,
        }
    return data


def due() -> str:
    return (timezone.localdate() + timedelta(days=45)).isoformat()


def test_the_leader_opens_the_plan_page_with_the_pms_support_needed_and_an_empty_form(
    in_review, people
):
    response = signed_in(in_review.leader).get(plan_url(in_review))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="plan-form"' in page
    assert "Development plan: Chen Lin" in page
    assert 'name="actions-TOTAL_FORMS"' in page


def test_the_leader_saves_two_actions_and_leaves_empty_rows_out(in_review, people):
    client = signed_in(in_review.leader)
    rows = [
        ("", "Pair with analytics.", people["luo.xin"].pk, due()),
        ("", "Write a decision log.", people["chen.lin"].pk, due()),
        ("", "", "", ""),
    ]

    response = client.post(reverse("growth:plan_save", args=[in_review.pk]), posted_plan(rows))

    assert response.status_code == 302
    plan = DevelopmentPlan.objects.get(review=in_review)
    assert [action.what for action in plan.actions.all()] == [
        "Pair with analytics.",
        "Write a decision log.",
    ]
    assert (
        "Development plan (2 actions)"
        in client.get(reverse("reviews:leader_review", args=[in_review.pk])).content.decode()
    )


def test_the_leaders_review_links_to_a_plan_not_written_yet(in_review):
    page = signed_in(in_review.leader).get(reverse("reviews:leader_review", args=[in_review.pk]))

    assert "Development plan (not written yet)" in page.content.decode()


def test_the_leader_removes_an_action_by_ticking_remove(in_review, people):
    plan = write_plan(in_review, people)
    first, second = plan.actions.all()
    data = posted_plan(
        [
            (first.pk, first.what, first.owner_id, first.due_on.isoformat()),
            (second.pk, second.what, second.owner_id, second.due_on.isoformat()),
        ],
        version=plan.version,
        initial=2,
    ) | {"actions-1-DELETE": "on"}

    response = signed_in(in_review.leader).post(
        reverse("growth:plan_save", args=[in_review.pk]), data
    )

    assert response.status_code == 302
    assert list(plan.actions.all()) == [first]


def test_a_stale_form_gets_409_with_a_message_and_changes_nothing(in_review, people):
    plan = write_plan(in_review, people)
    rows = [("", "Something else entirely.", people["chen.lin"].pk, due())]

    response = signed_in(in_review.leader).post(
        reverse("growth:plan_save", args=[in_review.pk]), posted_plan(rows, version=0)
    )

    assert response.status_code == 409
    assert "Someone saved this development plan after you opened it" in response.content.decode()
    assert plan.actions.count() == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("", "", "owner", "due"), "Action 1: Action: This field is required."),
        (("", "Read a book.", "owner", "soon"), "Action 1: Due date: Enter a valid date."),
        (("", "Read a book.", "-5", "due"), "Action 1: Owner: Select a valid choice."),
    ],
)
def test_bad_input_gets_400_with_a_message_and_changes_nothing(in_review, people, row, message):
    pk, what, owner, when = row
    owner = people["chen.lin"].pk if owner == "owner" else owner
    when = due() if when == "due" else when
    data = posted_plan([(pk, what, owner, when)])
    data["actions-0-what"] = what  # an empty text on a row the leader touched

    response = signed_in(in_review.leader).post(
        reverse("growth:plan_save", args=[in_review.pk]), data
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DevelopmentPlan.objects.exists()


def test_a_broken_form_is_refused_without_an_error_page(in_review):
    response = signed_in(in_review.leader).post(
        reverse("growth:plan_save", args=[in_review.pk]), {"version": "x"}
    )

    assert response.status_code == 400
    assert not DevelopmentPlan.objects.exists()


def test_the_pm_may_not_read_the_plan_before_publication(in_review, people):
    write_plan(in_review, people)

    response = signed_in(people["chen.lin"]).get(plan_url(in_review))

    assert response.status_code == 403
    result = signed_in(people["chen.lin"]).get(
        reverse("reviews:leader_review", args=[in_review.pk])
    )
    assert result.status_code == 404


@pytest.mark.parametrize("username", ["luo.xin", "wang.fang"])
def test_a_peer_or_another_pm_is_not_shown_the_plan(in_review, people, username):
    write_plan(in_review, people)

    assert signed_in(people[username]).get(plan_url(in_review)).status_code == 404


@pytest.mark.parametrize("username", ["chen.lin", "luo.xin", "ye.qing"])
def test_nobody_but_the_leader_saves_the_plan(in_review, people, username):
    rows = [("", "Read a book.", people["chen.lin"].pk, due())]

    response = signed_in(people[username]).post(
        reverse("growth:plan_save", args=[in_review.pk]), posted_plan(rows)
    )

    assert response.status_code in (403, 404)
    assert not DevelopmentPlan.objects.exists()


def test_hr_reads_the_plan_without_a_form(in_review, people):
    write_plan(in_review, people)

    response = signed_in(people[HR]).get(plan_url(in_review))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Pair with analytics on the funnel study." in page
    assert 'id="plan-form"' not in page


def test_once_published_the_pm_reads_the_plan_on_its_page_and_on_the_result(in_review, people):
    write_plan(in_review, people)
    publish_with_results(in_review.cycle, people)
    client = signed_in(people["chen.lin"])

    page = client.get(plan_url(in_review))
    result = client.get(reverse("reviews:result_detail", args=[in_review.pk]))

    assert page.status_code == 200
    assert 'id="plan-form"' not in page.content.decode()
    content = result.content.decode()
    assert 'id="development-plan"' in content
    assert "Pair with analytics on the funnel study." in content
    assert "Luo Xin" in content
    assert "Not started" in content


def test_the_leaders_plan_is_read_only_once_their_review_is_over(in_review, people):
    write_plan(in_review, people)
    advance_to(in_review.cycle, Phase.CALIBRATION, actor=people[HR])

    page = signed_in(in_review.leader).get(plan_url(in_review)).content.decode()

    assert 'id="plan-form"' not in page
    assert "Write the decision log before each review." in page


def test_hr_reads_the_plans_changes_on_the_audit_trail(in_review, people):
    write_plan(in_review, people)

    page = signed_in(people[HR]).get(reverse("reviews:review_audit", args=[in_review.pk]))

    content = page.content.decode()
    assert "Development plan saved: Pair with analytics on the funnel study." in content
    assert "Owner" in content
    assert "Luo Xin" in content  # the owner by name, not by id
    assert AuditEntry.objects.filter(action=AuditAction.DEVELOPMENT_PLAN_SAVED).count() == 2
    assert DevelopmentAction.objects.count() == 2

"""The plan is carried into the PM's next cycle: the PM records each action's progress on
their self-assessment page, and their leader reads it there."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from growth import selectors
from growth.models import ActionStatus, DevelopmentAction
from reviews import services as review_services
from reviews.models import AssessmentRole
from tests.builders import signed_in

pytestmark = pytest.mark.django_db


def progress_url(review, action) -> str:
    return reverse("growth:progress_record", args=[review.pk, action.pk])


def progress(action, *, status=ActionStatus.IN_PROGRESS, note="", version=None) -> dict:
    prefix = f"progress-{action.pk}"
    return {
        f"{prefix}-version": action.version if version is None else version,
        f"{prefix}-status": status,
        f"{prefix}-progress_note": note,
    }


def test_the_pms_self_assessment_shows_the_previous_plan_with_a_progress_form_per_action(
    carried, people
):
    plan, following = carried

    page = signed_in(people["chen.lin"]).get(
        reverse("reviews:self_assessment", args=[following.pk])
    )

    content = page.content.decode()
    assert f"Your development plan from {plan.review.cycle.name}" in content
    assert "Pair with analytics on the funnel study." in content
    for action in plan.actions.all():
        assert progress_url(following, action) in content


def test_the_pm_records_progress_and_the_leader_reads_it_in_the_new_cycle(carried, people):
    plan, following = carried
    action = plan.actions.first()
    pm = signed_in(people["chen.lin"])

    response = pm.post(
        progress_url(following, action), progress(action, note="Two of three sessions done.")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:self_assessment", args=[following.pk])
    leader = signed_in(following.leader)
    page = leader.get(reverse("growth:plan", args=[following.pk])).content.decode()
    assert f"Development plan from {plan.review.cycle.name}" in page
    assert "In progress" in page
    assert "Two of three sessions done." in page
    assert progress_url(following, action) not in page  # the leader reads, the PM records
    review_page = leader.get(reverse("reviews:leader_review", args=[following.pk]))
    assert f"and the plan from {plan.review.cycle.name} with its progress" in (
        review_page.content.decode()
    )


def test_stale_progress_gets_409_and_bad_progress_400_and_nothing_changes(carried, people):
    plan, following = carried
    action = plan.actions.first()
    pm = signed_in(people["chen.lin"])

    stale = pm.post(progress_url(following, action), progress(action, version=7))
    bad = pm.post(progress_url(following, action), progress(action, status="finished"))

    assert stale.status_code == 409
    assert "Someone saved this action after you opened it" in stale.content.decode()
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
    action.refresh_from_db()
    assert (action.status, action.version) == (ActionStatus.NOT_STARTED, 0)


def test_nobody_else_records_the_pms_progress(carried, people):
    plan, following = carried
    action = plan.actions.first()

    by_leader = signed_in(following.leader).post(progress_url(following, action), progress(action))
    by_other_pm = signed_in(people["wang.fang"]).post(
        progress_url(following, action), progress(action)
    )

    assert by_leader.status_code == 403
    assert by_other_pm.status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED


def test_once_the_self_assessment_is_submitted_the_progress_is_read_only(carried, people):
    plan, following = carried
    own = review_services.assessment_get_or_create(
        review=following, assessor=following.person, role=AssessmentRole.SELF
    )
    own.submitted_at = timezone.now()
    own.save()
    action = plan.actions.first()
    pm = signed_in(people["chen.lin"])

    page = pm.get(reverse("reviews:self_assessment", args=[following.pk])).content.decode()
    response = pm.post(progress_url(following, action), progress(action))

    assert "Pair with analytics on the funnel study." in page
    assert progress_url(following, action) not in page
    assert response.status_code == 403


def test_a_pm_without_a_previous_plan_sees_none(carried, people):
    _plan, following = carried
    other = following.cycle.reviews.get(person=people["wang.fang"])

    page = signed_in(people["wang.fang"]).get(reverse("reviews:self_assessment", args=[other.pk]))

    assert 'id="previous-plan"' not in page.content.decode()


def test_the_previous_plan_is_read_in_two_queries_however_many_actions(
    carried, people, django_assert_num_queries
):
    plan, following = carried

    def read() -> list[str]:
        with django_assert_num_queries(2):
            found = selectors.previous_plan_get(review=following)
            return [
                f"{action.owner.name} {action.owner.team.name}" for action in found.actions.all()
            ]

    few = read()
    due = timezone.localdate() + timedelta(days=10)
    DevelopmentAction.objects.bulk_create(
        DevelopmentAction(plan=plan, what=f"Action {n}", owner=people[name], due_on=due)
        for n, name in enumerate(["zhou.min", "luo.xin", "han.mei", "chen.lin"] * 2)
    )
    many = read()

    assert (len(few), len(many)) == (2, 10)


def test_hr_reads_the_recorded_progress_on_the_new_reviews_audit_trail(carried, people):
    plan, following = carried
    action = plan.actions.first()
    signed_in(people["chen.lin"]).post(
        progress_url(following, action), progress(action, note="Booked the third session.")
    )

    page = signed_in(people["ye.qing"]).get(reverse("reviews:review_audit", args=[following.pk]))

    content = page.content.decode()
    assert f"Development progress recorded: {action.what}" in content
    assert "Not started → In progress" in content
    assert "Booked the third session." in content

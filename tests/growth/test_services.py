"""The leader saves a development plan, all of it in one audited call; the PM records an
action's progress in the next cycle. Refusals change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from growth import services
from growth.models import ActionStatus, DevelopmentAction, DevelopmentPlan
from growth.services import ActionInput
from reviews.models import AssessmentRole, AuditAction, AuditEntry
from reviews.services import EditConflict, ReviewError
from tests.growth.conftest import two_actions, write_plan

pytestmark = pytest.mark.django_db


def rows(plan) -> list[tuple[str, str, object, str]]:
    return [
        (action.what, action.owner.name, action.due_on, action.status)
        for action in DevelopmentAction.objects.filter(plan=plan).select_related("owner")
    ]


def test_the_leader_saves_a_plan_with_its_actions_owners_and_due_dates(in_review, people):
    plan = write_plan(in_review, people)

    due = timezone.localdate() + timedelta(days=60)
    assert plan.review == in_review
    assert plan.version == 1
    assert rows(plan) == [
        ("Pair with analytics on the funnel study.", "Luo Xin", due, ActionStatus.NOT_STARTED),
        ("Write the decision log before each review.", "Chen Lin", due, ActionStatus.NOT_STARTED),
    ]
    entries = AuditEntry.objects.filter(action=AuditAction.DEVELOPMENT_PLAN_SAVED)
    assert entries.count() == 2
    assert {entry.actor for entry in entries} == {in_review.leader}
    assert {entry.review for entry in entries} == {in_review}


def test_a_second_save_changes_removes_and_adds_rows_and_records_only_what_changed(
    in_review, people
):
    plan = write_plan(in_review, people)
    first, second = plan.actions.all()
    later = first.due_on + timedelta(days=30)

    services.development_plan_save(
        review=in_review,
        actor=in_review.leader,
        version=plan.version,
        actions=[
            ActionInput(first.what, people["zhou.min"].pk, later, id=first.pk),
            ActionInput("Shadow a customer call every week.", people["chen.lin"].pk, later),
        ],
    )

    plan.refresh_from_db()
    assert plan.version == 2
    assert [(what, owner, due) for what, owner, due, _status in rows(plan)] == [
        (first.what, "Zhou Min", later),
        ("Shadow a customer call every week.", "Chen Lin", later),
    ]
    assert not DevelopmentAction.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert first.version == 1
    changed = AuditEntry.objects.filter(action=AuditAction.DEVELOPMENT_PLAN_SAVED).order_by("pk")
    assert changed.count() == 5  # two added, then one changed, one removed, one added
    owner_change = changed.get(
        subject__action=first.pk, changes__0__0="growth.developmentaction.owner"
    )
    assert owner_change.changes[0][1:] == [people["luo.xin"].pk, people["zhou.min"].pk]


def test_a_stale_version_is_refused_and_nothing_changes(in_review, people):
    plan = write_plan(in_review, people)
    before = rows(plan)
    entries = AuditEntry.objects.count()

    with pytest.raises(EditConflict):
        services.development_plan_save(
            review=in_review,
            actor=in_review.leader,
            version=0,
            actions=[ActionInput("Something else", people["chen.lin"].pk, timezone.localdate())],
        )

    assert rows(plan) == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"what": "  "}, "Action 2: say what is to be done."),
        ({"due_on": "next week"}, "Action 2: the due date is not a date."),
        ({"owner_id": -1}, "Action 2: the owner must be someone in the company."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    in_review, people, change, message
):
    plan = write_plan(in_review, people)
    before, entries = rows(plan), AuditEntry.objects.count()
    good, bad = two_actions(people)
    bad = ActionInput(**{**bad.__dict__, **change})

    with pytest.raises(ReviewError) as refused:
        services.development_plan_save(
            review=in_review, actor=in_review.leader, version=plan.version, actions=[good, bad]
        )

    assert refused.value.problems == [message]
    assert rows(plan) == before
    assert AuditEntry.objects.count() == entries


def test_an_inactive_persons_account_cannot_own_an_action(in_review, people):
    gone = people["luo.xin"].user
    gone.is_active = False
    gone.save()

    with pytest.raises(ReviewError):
        write_plan(in_review, people)

    assert not DevelopmentPlan.objects.exists()


def test_only_the_pms_leader_writes_the_plan(in_review, people):
    with pytest.raises(ReviewError):
        services.development_plan_save(
            review=in_review, actor=people["chen.lin"], version=0, actions=two_actions(people)
        )

    assert not DevelopmentPlan.objects.exists()


def test_the_plan_is_locked_with_the_leaders_submitted_review(in_review, people):
    plan = write_plan(in_review, people)
    from reviews import services as review_services  # noqa: PLC0415 - one test's need

    leader = review_services.assessment_get_or_create(
        review=in_review, assessor=in_review.leader, role=AssessmentRole.LEADER
    )
    leader.submitted_at = timezone.now()
    leader.save()

    with pytest.raises(ReviewError, match="submitted and is locked"):
        services.development_plan_save(
            review=in_review, actor=in_review.leader, version=plan.version, actions=[]
        )

    assert plan.actions.count() == 2


# --- progress, in the next cycle ------------------------------------------------------------


def test_the_pm_records_progress_in_the_next_cycle_and_it_is_audited_there(carried, people):
    plan, following = carried
    action = plan.actions.first()

    services.development_progress_record(
        review=following,
        action=action,
        actor=people["chen.lin"],
        version=action.version,
        status=ActionStatus.IN_PROGRESS,
        note="Two sessions done; the third is booked.",
    )

    action.refresh_from_db()
    assert (action.status, action.progress_note, action.version) == (
        ActionStatus.IN_PROGRESS,
        "Two sessions done; the third is booked.",
        1,
    )
    entry = AuditEntry.objects.get(action=AuditAction.DEVELOPMENT_PROGRESS_RECORDED)
    assert (entry.review, entry.actor) == (following, people["chen.lin"])
    assert entry.subject == {"action": action.pk, "what": action.what}


def test_stale_progress_is_refused_and_nothing_changes(carried, people):
    plan, following = carried
    action = plan.actions.first()

    with pytest.raises(EditConflict):
        services.development_progress_record(
            review=following,
            action=action,
            actor=people["chen.lin"],
            version=action.version + 1,
            status=ActionStatus.DONE,
            note="",
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED
    assert not AuditEntry.objects.filter(action=AuditAction.DEVELOPMENT_PROGRESS_RECORDED).exists()


def test_nobody_but_the_pm_records_progress_and_only_on_their_previous_plan(carried, people):
    plan, following = carried
    action = plan.actions.first()
    other = following.cycle.reviews.get(person=people["wang.fang"])

    with pytest.raises(ReviewError):
        services.development_progress_record(
            review=following,
            action=action,
            actor=people["zhou.min"],
            version=0,
            status=ActionStatus.DONE,
            note="",
        )
    with pytest.raises(ReviewError, match="not in your previous development plan"):
        services.development_progress_record(
            review=other,
            action=action,
            actor=people["wang.fang"],
            version=0,
            status=ActionStatus.DONE,
            note="",
        )

    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED


def test_an_action_of_another_plan_or_posted_twice_is_refused(in_review, people):
    plan = write_plan(in_review, people)
    first = plan.actions.first()
    other = in_review.cycle.reviews.get(person=people["wang.fang"])
    other_plan = write_plan(other, people)
    foreign = other_plan.actions.first()
    due = first.due_on

    for ids in ([foreign.pk], [first.pk, first.pk]):
        with pytest.raises(ReviewError, match="is not in this plan"):
            services.development_plan_save(
                review=in_review,
                actor=in_review.leader,
                version=plan.version,
                actions=[ActionInput("Changed", people["chen.lin"].pk, due, id=pk) for pk in ids],
            )

    foreign.refresh_from_db()
    assert foreign.what == "Pair with analytics on the funnel study."
    assert rows(plan)[0][0] == "Pair with analytics on the funnel study."

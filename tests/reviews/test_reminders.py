from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reviews import services
from reviews.models import AssessmentRole, ReminderSent
from reviews.notifications import deadline_reminders_send
from reviews.tasks import send_deadline_reminders

pytestmark = pytest.mark.django_db


def submit_self(review):
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    services.assessment_save(
        assessment=assessment,
        actor=review.person,
        version=0,
        ratings={item.pk: 3 for item in review.cycle.competency_items.all()},
        submit=True,
    )


def test_reminders_go_two_days_before_the_deadline_to_those_who_still_owe(
    open_cycle, lin_review, people, django_capture_on_commit_callbacks
):
    submit_self(lin_review)
    mail.outbox.clear()
    three_days_before = open_cycle.self_assessment_deadline - timedelta(days=3)
    one_day_before = open_cycle.self_assessment_deadline - timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=three_days_before) == 0
        assert deadline_reminders_send(now=one_day_before) == 3

    assert sorted(message.to[0] for message in mail.outbox) == [
        "li.na@example.com",
        "wang.fang@example.com",
        "zhang.wei@example.com",
    ]
    assert "due soon" in mail.outbox[0].subject


def test_each_person_is_reminded_once_per_phase(open_cycle, django_capture_on_commit_callbacks):
    one_day_before = open_cycle.self_assessment_deadline - timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        deadline_reminders_send(now=one_day_before)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=one_day_before) == 0

    assert mail.outbox == []
    assert ReminderSent.objects.filter(cycle=open_cycle).count() == 4


def test_the_daily_task_runs_the_reminders(open_cycle):
    open_cycle.self_assessment_deadline = timezone.now() + timedelta(hours=20)
    open_cycle.save(update_fields=["self_assessment_deadline"])

    assert send_deadline_reminders.delay().get() == 4


def test_the_beat_schedule_runs_reminders_daily(settings):
    assert (
        settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]["task"]
        == "reviews.tasks.send_deadline_reminders"
    )

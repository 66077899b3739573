"""Celery tasks of review cycles: thin, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import notifications


@shared_task(soft_time_limit=300, time_limit=360)
def send_deadline_reminders() -> int:
    """Daily: remind everyone who still owes a submission two days before its deadline.

    Each person is reminded once per cycle and phase (a ReminderSent row), so running it
    twice, or after a crash, sends nothing twice.
    """
    return notifications.deadline_reminders_send()

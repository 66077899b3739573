"""Deadline reminders to whoever still owes a submission (`reviews.obligations`)."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.tasks import email_people
from reviews import obligations
from reviews.models import Cycle, Phase, ReminderSent

REMIND_BEFORE = timedelta(days=2)


def _remind(person_id: int, cycle: Cycle) -> None:
    deadline = timezone.localtime(cycle.deadline_for(cycle.phase)).strftime("%Y-%m-%d %H:%M")
    email_people.delay(
        person_ids=[person_id],
        subject=_("Reminder: %(cycle)s is due soon") % {"cycle": cycle.name},
        body=_(
            "You still have a submission open in “%(cycle)s”; its deadline is %(deadline)s. "
            "Open “My tasks” to finish it."
        )
        % {"cycle": cycle.name, "deadline": deadline},
    )


def deadline_reminders_send(*, now=None) -> int:
    """Send each owing person one reminder per cycle and phase, within two days of the
    deadline. Returns how many people were reminded."""
    now = now or timezone.now()
    reminded = 0
    for cycle in Cycle.objects.filter(phase__in=[Phase.SELF_ASSESSMENT, Phase.REVIEW]):
        deadline = cycle.deadline_for(cycle.phase)
        if not (now <= deadline <= now + REMIND_BEFORE):
            continue
        already = set(
            ReminderSent.objects.filter(cycle=cycle, phase=cycle.phase).values_list(
                "person_id", flat=True
            )
        )
        for person_id in sorted(obligations.owing_people(cycle) - already):
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(cycle=cycle, person_id=person_id, phase=cycle.phase)
                    transaction.on_commit(
                        lambda person_id=person_id, cycle=cycle: _remind(person_id, cycle)
                    )
            except IntegrityError:
                continue  # another run reminded this person first
            reminded += 1
    return reminded

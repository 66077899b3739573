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


# The key a reminder of the peer feedback deadline is recorded under, beside the phases:
# with a peer deadline, peers and leaders are reminded of different deadlines.
PEER_FEEDBACK = "peer_feedback"


def _remind(person_id: int, cycle: Cycle, deadline) -> None:
    deadline = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    email_people.delay(
        person_ids=[person_id],
        subject=_("Reminder: %(cycle)s is due soon") % {"cycle": cycle.name},
        body=_(
            "You still have a submission open in “%(cycle)s”; its deadline is %(deadline)s. "
            "Open “My tasks” to finish it."
        )
        % {"cycle": cycle.name, "deadline": deadline},
    )


def _owing_by_deadline(cycle: Cycle) -> list[tuple[str, object, set[int]]]:
    """(reminder key, deadline, ids of the people owing by it) for the cycle's phase. In the
    review phase with a peer feedback deadline, peers owe by that deadline and leaders by
    the review deadline; without one, both by the review deadline."""
    if cycle.phase != Phase.REVIEW or cycle.peer_deadline is None:
        return [(cycle.phase, cycle.deadline_for(cycle.phase), obligations.owing_people(cycle))]
    leaders = set(obligations.leader_assessments_owed(cycle).values_list("leader_id", flat=True))
    peers = set(obligations.peer_answers_owed(cycle).values_list("peer_id", flat=True))
    return [
        (Phase.REVIEW, cycle.review_deadline, leaders),
        (PEER_FEEDBACK, cycle.peer_deadline, peers),
    ]


def deadline_reminders_send(*, now=None) -> int:
    """Send each owing person one reminder per cycle and deadline (their phase's, or the
    peer feedback deadline for peers), within two days of it. Returns how many people were
    reminded."""
    now = now or timezone.now()
    reminded = 0
    for cycle in Cycle.objects.filter(phase__in=[Phase.SELF_ASSESSMENT, Phase.REVIEW]):
        for key, deadline, owing in _owing_by_deadline(cycle):
            if not (now <= deadline <= now + REMIND_BEFORE):
                continue
            already = set(
                ReminderSent.objects.filter(cycle=cycle, phase=key).values_list(
                    "person_id", flat=True
                )
            )
            for person_id in sorted(owing - already):
                try:
                    with transaction.atomic():
                        ReminderSent.objects.create(cycle=cycle, person_id=person_id, phase=key)
                        transaction.on_commit(
                            lambda person_id=person_id, cycle=cycle, deadline=deadline: _remind(
                                person_id, cycle, deadline
                            )
                        )
                except IntegrityError:
                    continue  # another run reminded this person first
                reminded += 1
    return reminded

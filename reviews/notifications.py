"""Who owes what before a deadline, and the reminders sent about it."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.tasks import email_people

from .models import (
    Assessment,
    AssessmentRole,
    Cycle,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    ReminderSent,
    Review,
)

REMIND_BEFORE = timedelta(days=2)


def owing_people(cycle: Cycle) -> set[int]:
    """Ids of people who still owe a submission in the cycle's current phase."""
    if cycle.phase == Phase.SELF_ASSESSMENT:
        submitted = Assessment.objects.filter(
            review__cycle=cycle, role=AssessmentRole.SELF, submitted_at__isnull=False
        ).values_list("review__person_id", flat=True)
        return set(
            Review.objects.filter(cycle=cycle)
            .exclude(person_id__in=submitted)
            .values_list("person_id", flat=True)
        )
    if cycle.phase == Phase.REVIEW:
        done = Assessment.objects.filter(
            review__cycle=cycle, role=AssessmentRole.LEADER, submitted_at__isnull=False
        ).values_list("review_id", flat=True)
        leaders = set(
            Review.objects.filter(cycle=cycle)
            .exclude(pk__in=done)
            .values_list("leader_id", flat=True)
        )
        peers = set(
            PeerRequest.objects.filter(
                review__cycle=cycle, status=PeerRequestStatus.APPROVED
            ).values_list("peer_id", flat=True)
        )
        return leaders | peers
    return set()


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
        for person_id in sorted(owing_people(cycle) - already):
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

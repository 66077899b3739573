"""Who takes part in a cycle: adding and removing participants, each audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_entry, audit_record, audit_record_many
from reviews.models import AuditAction, Cycle, Phase, Review

from .common import ReviewError, names_listed
from .cycles import notify_opened


@transaction.atomic
def cycle_add_participants(
    *, cycle: Cycle, people: list[Person], actor: Person | None = None
) -> list[Review]:
    """Add PMs to a cycle, each with the leader and team they have now (kept if the org
    changes later). People already in the cycle are skipped; a person without a leader
    refuses the whole call."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.phase not in (Phase.DRAFT, Phase.SELF_ASSESSMENT):
        raise ReviewError(_("Participants can only be added before the review phase."))
    existing = set(cycle.reviews.values_list("person_id", flat=True))
    without_leader = [person for person in people if person.leader_id is None]
    if without_leader:
        raise ReviewError(
            _("These people have no leader to review them: %(names)s.")
            % {"names": names_listed(without_leader)}
        )
    reviews = Review.objects.bulk_create(
        Review(cycle=cycle, person=person, leader_id=person.leader_id, team_id=person.team_id)
        for person in people
        if person.pk not in existing
    )
    audit_record_many(
        audit_entry(
            cycle=cycle,
            action=AuditAction.PARTICIPANT_ADDED,
            actor=actor,
            review=review,
            subject={"person": review.person_id},
        )
        for review in reviews
    )
    if cycle.phase == Phase.SELF_ASSESSMENT:
        notify_opened(cycle, [review.person_id for review in reviews])
    return reviews


@transaction.atomic
def cycle_remove_participant(*, review: Review, actor: Person | None = None) -> None:
    cycle = Cycle.objects.select_for_update().get(pk=review.cycle_id)
    if cycle.phase != Phase.DRAFT:
        raise ReviewError(_("Participants can only be removed while the cycle is a draft."))
    audit_record(
        cycle=cycle,
        action=AuditAction.PARTICIPANT_REMOVED,
        actor=actor,
        subject={"person": review.person_id},
    )
    review.delete()

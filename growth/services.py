"""Writes of development plans: the leader saves the plan (all its actions at once), the
PM records an action's progress in their next cycle. Each is one transaction that checks
first, refuses a stale version, and records one audit entry per action it changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_entry, audit_record, audit_record_many, changes_of
from reviews.models import AssessmentRole, AuditAction, Review
from reviews.permissions import can_edit_assessment
from reviews.services import EditConflict, ReviewError

from . import selectors
from .models import ActionStatus, DevelopmentAction, DevelopmentPlan

MAX_ACTIONS = 20
ACTION_FIELDS = ("what", "owner", "due_on")
PROGRESS_FIELDS = ("status", "progress_note")
AUDITED_AS = "growth.developmentaction"  # the audit page names fields by this model's


@dataclass(frozen=True)
class ActionInput:
    """One action as the leader typed it; `id` names an action already in the plan."""

    what: str
    owner_id: int
    due_on: date
    id: int | None = None


def _reading(action: DevelopmentAction, fields: Sequence[str]) -> dict:
    return {name: getattr(action, "owner_id" if name == "owner" else name) for name in fields}


def _action_problems(actions: Sequence[ActionInput], existing: dict[int, DevelopmentAction]):
    problems = []
    if len(actions) > MAX_ACTIONS:
        problems.append(_("A plan holds at most %(count)s actions.") % {"count": MAX_ACTIONS})
    owners = set(
        Person.objects.filter(
            pk__in={item.owner_id for item in actions}, user__is_active=True
        ).values_list("pk", flat=True)
    )
    seen = set()
    for number, item in enumerate(actions, start=1):
        if item.id is not None and (item.id not in existing or item.id in seen):
            problems.append(_("Action %(number)s is not in this plan.") % {"number": number})
        seen.add(item.id)
        if not item.what.strip():
            problems.append(_("Action %(number)s: say what is to be done.") % {"number": number})
        if item.owner_id not in owners:
            problems.append(
                _("Action %(number)s: the owner must be someone in the company.")
                % {"number": number}
            )
        if not isinstance(item.due_on, date):
            problems.append(
                _("Action %(number)s: the due date is not a date.") % {"number": number}
            )
    return problems


def _check_leader_may_edit(review: Review, actor: Person) -> None:
    if review.leader_id != actor.pk:
        raise ReviewError(_("Only the PM's leader in this cycle can do that."))
    leader_assessment = selectors.assessment_of(review=review, role=AssessmentRole.LEADER)
    if not can_edit_assessment(leader_assessment, review.cycle):
        if leader_assessment.is_submitted:
            raise ReviewError(_("Your review was submitted and is locked. Ask HR to reopen it."))
        raise ReviewError(_("The review phase is not open, or its deadline has passed."))


@transaction.atomic
def development_plan_save(
    *, review: Review, actor: Person, version: int, actions: Sequence[ActionInput]
) -> DevelopmentPlan:
    """Write the plan as the leader's form holds it: actions added, changed, reordered and
    (those left out) removed, all or nothing. Created by the first save. Refused unless the
    actor is the PM's leader and their leader assessment is editable, when someone saved
    since `version` was read, or when an action is incomplete (nothing changes then)."""
    # The review's row serialises two first saves that would both create the plan.
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    _check_leader_may_edit(review, actor)
    plan = DevelopmentPlan.objects.filter(review=review).first()
    if (plan.version if plan else 0) != version:
        raise EditConflict(
            _(
                "Someone saved this development plan after you opened it. Reload the page "
                "to see the latest version."
            )
        )
    existing = {action.pk: action for action in plan.actions.all()} if plan else {}
    problems = _action_problems(actions, existing)
    if plan is None and not actions:
        problems.append(_("Write at least one action."))
    if problems:
        raise ReviewError(problems)

    if plan is None:
        plan = DevelopmentPlan.objects.create(review=review, created_by=actor)
    entries, kept, is_changed = [], set(), False

    def entry(action: DevelopmentAction, what: str, changes: list) -> None:
        entries.append(
            audit_entry(
                cycle=review.cycle,
                review=review,
                action=AuditAction.DEVELOPMENT_PLAN_SAVED,
                actor=actor,
                subject={"action": action.pk, "what": what},
                changes=changes,
            )
        )

    for position, item in enumerate(actions):
        action = existing.get(item.id) or DevelopmentAction(plan=plan)
        before = _reading(action, ACTION_FIELDS) if action.pk else {}
        after = {"what": item.what.strip(), "owner": item.owner_id, "due_on": item.due_on}
        changes = changes_of(AUDITED_AS, before, after)
        if action.pk:
            kept.add(action.pk)
            if not changes and action.position == position:
                continue
            action.version += 1
        action.what, action.owner_id, action.due_on = after["what"], item.owner_id, item.due_on
        action.position = position
        action.save()
        is_changed = True
        if changes:  # a move in the list alone is not worth an entry
            entry(action, action.what, changes)
    removed = [action for pk, action in existing.items() if pk not in kept]
    for action in removed:
        before = _reading(action, ACTION_FIELDS)
        entry(action, action.what, changes_of(AUDITED_AS, before, dict.fromkeys(before)))
    if removed:
        DevelopmentAction.objects.filter(pk__in=[action.pk for action in removed]).delete()
        is_changed = True
    if is_changed:
        plan.version += 1
        plan.save(update_fields=["version", "updated_at"])
        audit_record_many(entries)
    return plan


@transaction.atomic
def development_progress_record(
    *,
    review: Review,
    action: DevelopmentAction,
    actor: Person,
    version: int,
    status: str,
    note: str,
) -> DevelopmentAction:
    """The PM records how far an action of their previous plan got, in `review` (their
    review in the cycle the plan was carried into), while their self-assessment there is
    editable. Refused for anyone else, for an action of another plan, or when someone
    saved the action since `version` was read."""
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    action = DevelopmentAction.objects.select_for_update().get(pk=action.pk)
    if review.person_id != actor.pk:
        raise ReviewError(_("Only the PM records progress on their development plan."))
    previous = selectors.previous_plan_get(review=review)
    if previous is None or previous.pk != action.plan_id:
        raise ReviewError(_("This action is not in your previous development plan."))
    self_assessment = selectors.assessment_of(review=review, role=AssessmentRole.SELF)
    if not can_edit_assessment(self_assessment, review.cycle):
        raise ReviewError(
            _(
                "Progress is recorded with your self-assessment, until you submit it or "
                "its deadline passes."
            )
        )
    if action.version != version:
        raise EditConflict(
            _(
                "Someone saved this action after you opened it. Reload the page to see the "
                "latest version."
            )
        )
    if status not in ActionStatus.values:
        raise ReviewError(_("Choose a status."))
    before = _reading(action, PROGRESS_FIELDS)
    changes = changes_of(AUDITED_AS, before, {"status": status, "progress_note": note.strip()})
    if not changes:
        return action
    action.status, action.progress_note = status, note.strip()
    action.progress_recorded_at = timezone.now()
    action.version += 1
    action.save(update_fields=["status", "progress_note", "progress_recorded_at", "version"])
    audit_record(
        cycle=review.cycle,
        review=review,
        action=AuditAction.DEVELOPMENT_PROGRESS_RECORDED,
        actor=actor,
        subject={"action": action.pk, "what": action.what},
        changes=changes,
    )
    return action

"""KPI actuals: the PM reports them; the leader confirms, corrects or excuses them (as part
of saving the leader's review, `leader_review_save`). Each change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_entry, audit_record_many, changes_of
from reviews.models import AuditAction, AuditEntry, Cycle, KpiActual, Review

from .common import ReviewError, review_conflict


@dataclass(frozen=True)
class ActualInput:
    value: Decimal | None
    evidence: str = ""


def actual_problems(cycle: Cycle, actuals: dict[int, ActualInput]) -> list[str]:
    names = {item.pk: str(item.kpi) for item in cycle.kpi_items.select_related("kpi")}
    problems = []
    for item_id, actual in actuals.items():
        if item_id not in names:
            problems.append(_("Unknown KPI."))
        elif actual.value is not None and not actual.value.is_finite():
            problems.append(
                _("%(item)s: the actual must be a finite number.") % {"item": names[item_id]}
            )
    return problems


def actuals_report(*, review: Review, actor: Person, actuals: dict[int, ActualInput]) -> None:
    """Write the PM's reported actuals (inside the caller's transaction), each change audited."""
    existing = {
        actual.item_id: actual
        for actual in KpiActual.objects.select_for_update().filter(review=review)
    }
    entries = []
    for item_id, given in actuals.items():
        actual = existing.get(item_id)
        before = {"reported_value": None, "evidence": ""}
        if actual is None:
            # Version 1: a page that read "no actual here" (version 0) is stale now.
            KpiActual.objects.create(
                review=review,
                item_id=item_id,
                reported_value=given.value,
                evidence=given.evidence,
                version=1,
            )
        elif (actual.reported_value, actual.evidence) != (given.value, given.evidence):
            before = {"reported_value": actual.reported_value, "evidence": actual.evidence}
            actual.reported_value, actual.evidence = given.value, given.evidence
            actual.version += 1
            actual.save(update_fields=["reported_value", "evidence", "version"])
        else:
            continue
        changes = changes_of(
            "kpiactual", before, {"reported_value": given.value, "evidence": given.evidence}
        )
        if changes:
            entries.append(
                audit_entry(
                    cycle=review.cycle_id,
                    review=review,
                    action=AuditAction.ACTUAL_REPORTED,
                    actor=actor,
                    subject={"kpi": item_id},
                    changes=changes,
                )
            )
    audit_record_many(entries)


class Verify:
    """What the leader does with a reported actual (the page's choice per KPI)."""

    PENDING = ""  # not verified yet (also undoes an earlier verification)
    CONFIRM = "confirm"  # the reported value is right
    CORRECT = "correct"  # the right value is another (both are kept)
    EXCUSE = "excuse"  # the KPI is left out of the score this period, with a reason

    CHOICES = (PENDING, CONFIRM, CORRECT, EXCUSE)


@dataclass(frozen=True)
class Verification:
    """The leader's verification of one actual, and the actual's version it was read at
    (0 when no actual was there)."""

    verify: str
    version: int
    value: Decimal | None = None  # the corrected value
    reason: str = ""  # why the KPI is excused


def actuals_verify(
    *, review: Review, actor: Person, verifications: dict[int, Verification]
) -> list[AuditEntry]:
    """Write the leader's verifications (inside the caller's transaction, which has checked
    that the actor may); return their audit entries. Raises EditConflict when an actual
    changed since its version was read, ReviewError naming each KPI given wrongly; then
    nothing is written. The reported value is kept beside the verified one."""
    names = {item.pk: str(item.kpi) for item in review.cycle.kpi_items.select_related("kpi")}
    existing = {
        actual.item_id: actual
        for actual in KpiActual.objects.select_for_update().filter(review=review)
    }
    if any(
        getattr(existing.get(item_id), "version", 0) != given.version
        for item_id, given in verifications.items()
    ):
        raise review_conflict()
    wanted, problems = {}, []
    for item_id, given in verifications.items():
        if item_id not in names:
            problems.append(_("Unknown KPI."))
            continue
        after, problem = _verified(existing.get(item_id), given)
        if problem:
            problems.append(f"{names[item_id]}: {problem}")
        wanted[item_id] = after
    if problems:
        raise ReviewError(problems)

    now, entries, changed = timezone.now(), [], []
    for item_id, after in wanted.items():
        actual = existing.get(item_id) or KpiActual(review=review, item_id=item_id)
        before = {"verified_value": actual.verified_value, "excused_reason": actual.excused_reason}
        if before == after:
            continue
        actual.verified_value = after["verified_value"]
        actual.excused_reason = after["excused_reason"]
        is_verified = after["verified_value"] is not None or bool(after["excused_reason"])
        actual.verified_by = actor if is_verified else None
        actual.verified_at = now if is_verified else None
        actual.version += 1
        changed.append(actual)
        entries.append(
            audit_entry(
                cycle=review.cycle_id,
                review=review,
                action=AuditAction.ACTUAL_VERIFIED,
                actor=actor,
                subject={"kpi": item_id},
                changes=changes_of("kpiactual", before, after),
                reason=actual.excused_reason,
            )
        )
    fields = ["verified_value", "excused_reason", "verified_by", "verified_at", "version"]
    KpiActual.objects.bulk_create([actual for actual in changed if actual.pk is None])
    KpiActual.objects.bulk_update([actual for actual in changed if actual.pk], fields)
    return entries


def _verified(actual: KpiActual | None, given: Verification) -> tuple[dict, str]:
    """The actual's verified value and excuse after `given`, or what is wrong with it."""
    reported = None if actual is None else actual.reported_value
    after = {"verified_value": None, "excused_reason": ""}
    if given.verify == Verify.CONFIRM:
        if reported is None:
            return after, _("nothing was reported to confirm: enter the value, or excuse it.")
        after["verified_value"] = reported
    elif given.verify == Verify.CORRECT:
        if given.value is None:
            return after, _("enter the corrected value.")
        if not given.value.is_finite():
            return after, _("the actual must be a finite number.")
        after["verified_value"] = given.value
    elif given.verify == Verify.EXCUSE:
        if not given.reason.strip():
            return after, _("give a reason to excuse it.")
        after["excused_reason"] = given.reason.strip()
    elif given.verify != Verify.PENDING:
        return after, _("choose confirm, correct or excuse.")
    return after, ""

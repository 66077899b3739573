"""KPI actuals: the PM reports them, the leader verifies, corrects or excuses them. Each
change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_entry, audit_record, audit_record_many, changes_of
from reviews.models import AuditAction, Cycle, CycleKpi, KpiActual, Review

from .common import ReviewError, check_leader_can_edit


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
            KpiActual.objects.create(
                review=review, item_id=item_id, reported_value=given.value, evidence=given.evidence
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


@transaction.atomic
def actual_verify(
    *,
    review: Review,
    item: CycleKpi,
    actor: Person,
    value: Decimal | None,
    excused_reason: str = "",
) -> None:
    """The leader verifies (or corrects) a reported actual, or excuses the KPI with a reason.
    The reported value is kept beside the verified one."""
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    check_leader_can_edit(review, actor)
    if item.cycle_id != review.cycle_id:
        raise ReviewError(_("Unknown KPI."))
    if value is not None and not value.is_finite():
        raise ReviewError(_("The actual must be a finite number."))
    actual, _created = KpiActual.objects.select_for_update().get_or_create(review=review, item=item)
    before = {"verified_value": actual.verified_value, "excused_reason": actual.excused_reason}
    actual.verified_value = value
    actual.excused_reason = excused_reason.strip()
    actual.verified_by = actor if value is not None or excused_reason else None
    actual.verified_at = timezone.now() if actual.verified_by else None
    actual.version += 1
    actual.save(
        update_fields=["verified_value", "excused_reason", "verified_by", "verified_at", "version"]
    )
    after = {"verified_value": actual.verified_value, "excused_reason": actual.excused_reason}
    audit_record(
        cycle=review.cycle,
        review=review,
        action=AuditAction.ACTUAL_VERIFIED,
        actor=actor,
        subject={"kpi": item.pk},
        changes=changes_of("kpiactual", before, after),
        reason=actual.excused_reason,
    )

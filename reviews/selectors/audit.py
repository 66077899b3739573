"""The audit trail of a review."""

from __future__ import annotations

from dataclasses import dataclass

from reviews.models import (
    Assessment,
    AssessmentRole,
    KpiActual,
    PeerRequest,
    Rating,
    Reopening,
    Review,
)


@dataclass
class AuditEntry:
    when: object
    who: str
    what: str
    changes: list[tuple[str, str, str]]  # (field, before, after)
    reason: str = ""


AUDITED_FIELDS = {
    "Review": ("adjustment", "adjustment_reason"),
    "Assessment": ("strengths", "gaps", "support_needed", "comment", "submitted_at"),
    "Rating": ("value",),
    "KpiActual": ("reported_value", "evidence", "verified_value", "excused_reason"),
    "PeerRequest": ("status", "peer_id", "decline_reason"),
}


def _describe(value) -> str:
    return "—" if value in (None, "") else str(value)


def review_audit(*, review: Review) -> list[AuditEntry]:
    """Every recorded change to a review's ratings, actuals, comments, adjustment and peer
    requests, and the cycle's phase moves: who, when, before and after. A fixed handful of
    queries (one per history table)."""
    from django.utils.translation import gettext as _

    competency_names = {
        item.pk: str(item.competency)
        for item in review.cycle.competency_items.select_related("competency")
    }
    kpi_names = {item.pk: str(item.kpi) for item in review.cycle.kpi_items.select_related("kpi")}
    assessment_roles = dict(Assessment.objects.filter(review=review).values_list("pk", "role"))
    sources = {
        "Review": Review.history.filter(id=review.pk),
        "Assessment": Assessment.history.filter(review_id=review.pk),
        "Rating": Rating.history.filter(assessment_id__in=list(assessment_roles)),
        "KpiActual": KpiActual.history.filter(review_id=review.pk),
        "PeerRequest": PeerRequest.history.filter(review_id=review.pk),
    }
    entries: list[AuditEntry] = []
    for model_name, records in sources.items():
        previous: dict[int, object] = {}
        for record in records.select_related("history_user__person").order_by(
            "history_date", "history_id"
        ):
            before = previous.get(record.id)
            changes = []
            for field in AUDITED_FIELDS[model_name]:
                old = getattr(before, field, None) if before else None
                new = getattr(record, field, None)
                if before is None and new in (None, ""):
                    continue
                if before is None or old != new:
                    changes.append((field, _describe(old) if before else "—", _describe(new)))
            previous[record.id] = record
            if not changes and record.history_type != "-":
                continue
            if model_name == "Rating":
                role = assessment_roles.get(record.assessment_id, "")
                what = _("%(role)s rating: %(item)s") % {
                    "role": AssessmentRole(role).label if role else "",
                    "item": competency_names.get(record.competency_id, "?"),
                }
            elif model_name == "KpiActual":
                what = _("Actual: %(item)s") % {"item": kpi_names.get(record.item_id, "?")}
            elif model_name == "Assessment":
                what = _("%(role)s assessment") % {"role": AssessmentRole(record.role).label}
            elif model_name == "PeerRequest":
                what = _("Peer request")
            else:
                what = _("Review")
            user = record.history_user
            who = getattr(getattr(user, "person", None), "name", None) or (
                user.get_username() if user else _("system")
            )
            entries.append(
                AuditEntry(
                    when=record.history_date,
                    who=who,
                    what=what,
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    for change in review.cycle.phase_changes.select_related("moved_by"):
        entries.append(
            AuditEntry(
                when=change.moved_at,
                who=change.moved_by.name,
                what=_("Phase move"),
                changes=[("phase", change.get_from_phase_display(), change.get_to_phase_display())],
                reason="; ".join(change.overridden_blockers),
            )
        )
    for reopening in Reopening.objects.filter(assessment__review=review).select_related(
        "reopened_by", "assessment"
    ):
        entries.append(
            AuditEntry(
                when=reopening.reopened_at,
                who=reopening.reopened_by.name,
                what=_("Reopened: %(role)s assessment")
                % {"role": reopening.assessment.get_role_display()},
                changes=[],
                reason=reopening.reason,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries

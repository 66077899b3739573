"""The audit trail replaces django-simple-history in this app: every service now writes its
own entry (reviews/audit.py), so the history tables go. Before they do, what they recorded
becomes audit entries, as the audit page showed it: ratings, actuals, assessment texts and
submissions, adjustments, peer requests, calibrations, acknowledgements, participants and
deadlines; phase moves and reopenings come from their own tables. Going back recreates
the history tables empty and keeps the entries."""

from datetime import date, datetime
from decimal import Decimal

from django.db import migrations

TEXTS = ("strengths", "gaps", "support_needed", "comment")
DEADLINES = (
    "self_assessment_deadline",
    "review_deadline",
    "calibration_deadline",
    "acknowledgement_deadline",
)


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _diff(model: str, before, after, fields) -> list:
    return [
        [
            f"{model}.{name}",
            _json(getattr(before, name) if before else None),
            _json(getattr(after, name)),
        ]
        for name in fields
        if before is None or getattr(before, name) != getattr(after, name)
    ]


def history_to_entries(apps, schema_editor):
    AuditEntry = apps.get_model("reviews", "AuditEntry")
    Person = apps.get_model("appraisal", "Person")
    Review = apps.get_model("reviews", "Review")
    Assessment = apps.get_model("reviews", "Assessment")
    person_of_user = dict(Person.objects.values_list("user_id", "pk"))
    review_cycle = dict(Review.objects.values_list("pk", "cycle_id"))
    assessments = {
        row[0]: row[1:] for row in Assessment.objects.values_list("pk", "review_id", "role")
    }
    entries = []

    def add(record, *, cycle_id, action, review_id=None, subject=None, changes=(), reason=""):
        if cycle_id is None:
            return  # the row it was about is gone with its cycle
        entries.append(
            AuditEntry(
                cycle_id=cycle_id,
                review_id=review_id if review_id in review_cycle else None,
                actor_id=person_of_user.get(record.history_user_id),
                at=record.history_date,
                action=action,
                subject=subject or {},
                changes=list(changes),
                reason=reason or record.history_change_reason or "",
            )
        )

    def versions(model_name):
        previous = {}
        history = apps.get_model("reviews", f"Historical{model_name}")
        for record in history.objects.order_by("history_date", "history_id"):
            if record.history_type == "-":
                continue
            yield previous.get(record.id), record
            previous[record.id] = record

    for before, record in versions("Cycle"):
        if before is None:
            add(record, cycle_id=record.id, action="cycle_created")
        elif changes := _diff("cycle", before, record, DEADLINES):
            add(record, cycle_id=record.id, action="deadline_extended", changes=changes)
    for before, record in versions("Review"):
        cycle_id = review_cycle.get(record.id)
        if before is None:
            add(
                record,
                cycle_id=cycle_id,
                review_id=record.id,
                action="participant_added",
                subject={"person": record.person_id},
            )
        changes = _diff("review", before, record, ("adjustment", "adjustment_reason"))
        if changes and (before is not None or record.adjustment):
            add(
                record,
                cycle_id=cycle_id,
                review_id=record.id,
                action="adjustment_changed",
                changes=changes,
                reason=record.adjustment_reason,
            )
    for before, record in versions("Assessment"):
        cycle_id = review_cycle.get(record.review_id)
        subject = {"role": record.role}
        changes = [
            change
            for change in _diff("assessment", before, record, TEXTS)
            if change[1] or change[2]
        ]
        if changes:
            add(
                record,
                cycle_id=cycle_id,
                review_id=record.review_id,
                action="assessment_changed",
                subject=subject,
                changes=changes,
            )
        if record.submitted_at and (before is None or not before.submitted_at):
            add(
                record,
                cycle_id=cycle_id,
                review_id=record.review_id,
                action="assessment_submitted",
                subject=subject,
                changes=[["assessment.submitted_at", None, _json(record.submitted_at)]],
            )
    for before, record in versions("Rating"):
        review_id, role = assessments.get(record.assessment_id, (None, ""))
        if before is None or before.value != record.value:
            add(
                record,
                cycle_id=review_cycle.get(review_id),
                review_id=review_id,
                action="rating_changed",
                subject={"role": role, "competency": record.competency_id},
                changes=[["rating.value", before.value if before else None, record.value]],
            )
    for before, record in versions("KpiActual"):
        reported = _diff("kpiactual", before, record, ("reported_value", "evidence"))
        verified = _diff("kpiactual", before, record, ("verified_value", "excused_reason"))
        for action, changes in (("actual_reported", reported), ("actual_verified", verified)):
            changes = [
                change
                for change in changes
                if change[1] not in (None, "") or change[2] not in (None, "")
            ]
            if changes:
                add(
                    record,
                    cycle_id=review_cycle.get(record.review_id),
                    review_id=record.review_id,
                    action=action,
                    subject={"kpi": record.item_id},
                    changes=changes,
                    reason=record.excused_reason if action == "actual_verified" else "",
                )
    for before, record in versions("PeerRequest"):
        if changes := _diff("peerrequest", before, record, ("status",)):
            add(
                record,
                cycle_id=review_cycle.get(record.review_id),
                review_id=record.review_id,
                action="peer_request_changed",
                subject={"person": record.peer_id},
                changes=changes,
                reason=record.decline_reason,
            )
    for before, record in versions("Calibration"):
        if changes := _diff("calibration", before, record, ("grade",)):
            add(
                record,
                cycle_id=review_cycle.get(record.review_id),
                review_id=record.review_id,
                action="grade_calibrated",
                changes=changes,
                reason=record.reason,
            )
    for before, record in versions("Acknowledgement"):
        if before is None:
            add(
                record,
                cycle_id=review_cycle.get(record.review_id),
                review_id=record.review_id,
                action="result_acknowledged",
                changes=[["acknowledgement.comment", "", record.comment]],
            )
    for move in apps.get_model("reviews", "PhaseChange").objects.all():
        entries.append(
            AuditEntry(
                cycle_id=move.cycle_id,
                actor_id=move.moved_by_id,
                at=move.moved_at,
                action="phase_moved",
                changes=[["cycle.phase", move.from_phase, move.to_phase]],
                reason="; ".join(move.overridden_blockers),
            )
        )
    for reopening in apps.get_model("reviews", "Reopening").objects.all():
        review_id, role = assessments.get(reopening.assessment_id, (None, ""))
        entries.append(
            AuditEntry(
                cycle_id=review_cycle[review_id],
                review_id=review_id,
                actor_id=reopening.reopened_by_id,
                at=reopening.reopened_at,
                action="assessment_reopened",
                subject={"role": role},
                reason=reopening.reason,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_audit_entries"),
    ]

    operations = [
        migrations.RunPython(history_to_entries, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="historicalassessment",
            name="assessor",
        ),
        migrations.RemoveField(
            model_name="historicalassessment",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalassessment",
            name="review",
        ),
        migrations.RemoveField(
            model_name="historicalcalibration",
            name="calibrated_by",
        ),
        migrations.RemoveField(
            model_name="historicalcalibration",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalcalibration",
            name="review",
        ),
        migrations.RemoveField(
            model_name="historicalcycle",
            name="created_by",
        ),
        migrations.RemoveField(
            model_name="historicalcycle",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalcycle",
            name="template",
        ),
        migrations.RemoveField(
            model_name="historicalkpiactual",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalkpiactual",
            name="item",
        ),
        migrations.RemoveField(
            model_name="historicalkpiactual",
            name="review",
        ),
        migrations.RemoveField(
            model_name="historicalkpiactual",
            name="verified_by",
        ),
        migrations.RemoveField(
            model_name="historicalpeerrequest",
            name="approved_by",
        ),
        migrations.RemoveField(
            model_name="historicalpeerrequest",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalpeerrequest",
            name="nominated_by",
        ),
        migrations.RemoveField(
            model_name="historicalpeerrequest",
            name="peer",
        ),
        migrations.RemoveField(
            model_name="historicalpeerrequest",
            name="review",
        ),
        migrations.RemoveField(
            model_name="historicalrating",
            name="assessment",
        ),
        migrations.RemoveField(
            model_name="historicalrating",
            name="competency",
        ),
        migrations.RemoveField(
            model_name="historicalrating",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalreview",
            name="cycle",
        ),
        migrations.RemoveField(
            model_name="historicalreview",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalreview",
            name="leader",
        ),
        migrations.RemoveField(
            model_name="historicalreview",
            name="person",
        ),
        migrations.RemoveField(
            model_name="historicalreview",
            name="team",
        ),
        migrations.DeleteModel(
            name="HistoricalAcknowledgement",
        ),
        migrations.DeleteModel(
            name="HistoricalAssessment",
        ),
        migrations.DeleteModel(
            name="HistoricalCalibration",
        ),
        migrations.DeleteModel(
            name="HistoricalCycle",
        ),
        migrations.DeleteModel(
            name="HistoricalKpiActual",
        ),
        migrations.DeleteModel(
            name="HistoricalPeerRequest",
        ),
        migrations.DeleteModel(
            name="HistoricalRating",
        ),
        migrations.DeleteModel(
            name="HistoricalReview",
        ),
    ]

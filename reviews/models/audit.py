"""The audit trail's entries (written by the services: reviews/audit.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person
from reviews.models.assessments import Review
from reviews.models.cycles import Cycle


class AuditAction(models.TextChoices):
    CYCLE_CREATED = "cycle_created", _("Cycle created")
    PARTICIPANT_ADDED = "participant_added", _("Participant added")
    PARTICIPANT_REMOVED = "participant_removed", _("Participant removed")
    PHASE_MOVED = "phase_moved", _("Phase move")
    DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
    ASSESSMENT_CHANGED = "assessment_changed", _("Assessment changed")
    RATING_CHANGED = "rating_changed", _("Rating changed")
    ASSESSMENT_SUBMITTED = "assessment_submitted", _("Assessment submitted")
    ASSESSMENT_REOPENED = "assessment_reopened", _("Assessment reopened")
    ACTUAL_REPORTED = "actual_reported", _("Actual reported")
    ACTUAL_IMPORTED = "actual_imported", _("Actual imported")
    ACTUAL_VERIFIED = "actual_verified", _("Actual verified")
    ADJUSTMENT_CHANGED = "adjustment_changed", _("Adjustment changed")
    PEERS_NOMINATED = "peers_nominated", _("Peers nominated")
    PEERS_APPROVED = "peers_approved", _("Peers approved")
    PEER_REQUEST_CHANGED = "peer_request_changed", _("Peer request changed")
    GRADE_CALIBRATED = "grade_calibrated", _("Grade calibrated")
    RESULT_ACKNOWLEDGED = "result_acknowledged", _("Result acknowledged")
    # The growth app's development plans (growth.services): one entry per action written.
    DEVELOPMENT_PLAN_SAVED = "development_plan_saved", _("Development plan saved")
    DEVELOPMENT_PROGRESS_RECORDED = "development_progress", _("Development progress recorded")


class AuditEntry(models.Model):
    """One state change, written by the service that made it, in the same transaction:
    who, when, what, before, after and why (reviews/audit.py).

    `subject` holds the ids of what the change is about (a competency or KPI item, a role,
    a person) and `changes` the raw values as [field, before, after], with `field` as
    "model.field": the audit page names and formats them in the reader's language."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="audit_entries")
    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    # An AuditAction, kept without `choices` so that a new action needs no migration.
    action = models.CharField(_("action"), max_length=32)
    subject = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["review", "at"], name="audit_review_at"),
            models.Index(fields=["cycle", "at"], name="audit_cycle_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action_label} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def action_label(self) -> str:
        """The action in the active language (its code, for an action this release lacks)."""
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action

"""The review cycle: cycles, each PM's review in it, assessments, ratings and KPI actuals.

A cycle freezes its scorecard when it opens: the template's settings are copied into
`Cycle.scorecard` and its items into `CycleKpi` / `CycleCompetency` rows, which actuals and
ratings reference. Editing the template afterwards never changes the cycle.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person, Team
from kpis import scoring
from kpis.models import MEASURE, WEIGHT, Competency, Direction, Kpi, ScorecardTemplate

from .fields import JSONText
from .scorecards import scorecard_from


class Phase(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    REVIEW = "review", _("Review")
    CALIBRATION = "calibration", _("Calibration")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


PHASE_ORDER = [phase.value for phase in Phase]


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half year")
    YEAR = "year", _("Year")


class Cycle(models.Model):
    name = models.CharField(_("name"), max_length=200)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    template = models.ForeignKey(
        ScorecardTemplate,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("scorecard template"),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    self_assessment_deadline = models.DateTimeField(_("self-assessment deadline"))
    review_deadline = models.DateTimeField(_("review deadline"))
    calibration_deadline = models.DateTimeField(_("calibration deadline"))
    acknowledgement_deadline = models.DateTimeField(_("acknowledgement deadline"))
    scorecard = models.JSONField(_("frozen scorecard settings"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="cycle_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(self_assessment_deadline__lte=F("review_deadline"))
                & Q(review_deadline__lte=F("calibration_deadline"))
                & Q(calibration_deadline__lte=F("acknowledgement_deadline")),
                name="cycle_deadlines_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.phase not in (Phase.DRAFT, Phase.CLOSED)

    @property
    def grades(self) -> list[str]:
        """The frozen grades, best first. JSON objects lose their key order in PostgreSQL
        (jsonb), so the order is frozen as a list beside the tables."""
        grading = self.scorecard.get("grading", {})
        return list(
            self.scorecard.get("grade_order") or grading.get("bands") or grading.get("quotas") or {}
        )

    @cached_property
    def scoring_card(self) -> scoring.Scorecard:
        """The frozen scorecard as the engine's typed Scorecard, items included (2 queries,
        once per instance). A draft has none yet: ValueError."""
        return scorecard_from(
            self.scorecard,
            grades=self.grades,
            kpi_items=self.kpi_items.order_by("position", "pk"),
            competency_items=self.competency_items.order_by("position", "pk"),
        )

    def deadline_for(self, phase: str):
        return {
            Phase.SELF_ASSESSMENT: self.self_assessment_deadline,
            Phase.REVIEW: self.review_deadline,
            Phase.CALIBRATION: self.calibration_deadline,
            Phase.PUBLISHED: self.acknowledgement_deadline,
        }.get(phase)


class CycleKpi(models.Model):
    """A KPI of the cycle's frozen scorecard."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="kpi_items")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    threshold = models.DecimalField(**MEASURE)
    target = models.DecimalField(**MEASURE)
    stretch = models.DecimalField(null=True, blank=True, **MEASURE)
    weight = models.DecimalField(**WEIGHT)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [models.UniqueConstraint(fields=["cycle", "kpi"], name="cycle_kpi_once")]

    def __str__(self) -> str:
        return str(self.kpi)


class CycleCompetency(models.Model):
    """A competency of the cycle's frozen scorecard."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="competency_items")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    weight = models.DecimalField(**WEIGHT)

    class Meta:
        ordering = ["cycle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "competency"], name="cycle_competency_once")
        ]

    def __str__(self) -> str:
        return str(self.competency)


class Review(models.Model):
    """One PM's review in a cycle, with their leader and team as they were when added."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reviews")
    leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="led_reviews")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reviews")
    adjustment = models.DecimalField(_("leader adjustment"), default=0, **WEIGHT)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)

    class Meta:
        ordering = ["cycle", "team__name", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person"], name="review_once_per_cycle"),
            models.CheckConstraint(
                condition=~Q(person=F("leader")), name="review_leader_is_not_the_pm"
            ),
            models.CheckConstraint(
                condition=Q(adjustment=0) | ~Q(adjustment_reason=""),
                name="review_adjustment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.cycle})"


class AssessmentRole(models.TextChoices):
    SELF = "self", _("Self")
    LEADER = "leader", _("Leader")
    PEER = "peer", _("Peer")


class Assessment(models.Model):
    """What one person says about a PM in a cycle: ratings and comments. Locked once submitted."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments_given")
    role = models.CharField(_("role"), max_length=10, choices=AssessmentRole.choices)
    strengths = models.TextField(_("strengths"), blank=True)
    gaps = models.TextField(_("gaps"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "assessor", "role"], name="assessment_once_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.review}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Rating(models.Model):
    """A rating of one competency; `value` None means "not observed" (N/A)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    competency = models.ForeignKey(
        CycleCompetency, on_delete=models.CASCADE, related_name="ratings"
    )
    value = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "competency"], name="rating_once_per_item"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__lte=100), name="rating_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.value if self.value is not None else 'N/A'}"


class KpiActual(models.Model):
    """A KPI's actual for a review: reported by the PM, verified (or corrected) by the leader.

    The value that counts is the verified one, until then the reported one. An excused KPI
    is left out of the score (with its reason).
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actuals")
    item = models.ForeignKey(CycleKpi, on_delete=models.CASCADE, related_name="actuals")
    reported_value = models.DecimalField(_("reported value"), null=True, blank=True, **MEASURE)
    evidence = models.TextField(_("evidence"), blank=True)
    verified_value = models.DecimalField(_("verified value"), null=True, blank=True, **MEASURE)
    verified_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    excused_reason = models.TextField(_("reason for excusing"), blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="actual_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value}"

    @property
    def is_excused(self) -> bool:
        return bool(self.excused_reason)

    @property
    def value(self):
        return self.verified_value if self.verified_value is not None else self.reported_value


class PeerRequestStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    SUBMITTED = "submitted", _("Submitted")


class PeerRequest(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="peer_requests")
    peer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="peer_requests")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PeerRequestStatus.choices,
        default=PeerRequestStatus.NOMINATED,
    )
    nominated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "peer"], name="peer_request_once"),
            models.CheckConstraint(
                condition=~Q(status=PeerRequestStatus.DECLINED) | ~Q(decline_reason=""),
                name="peer_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} → {self.review}"


class PhaseChange(models.Model):
    """A phase move of a cycle: who, when, from, to, and what was overridden to move."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    moved_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    overridden_blockers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["moved_at"]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.from_phase} → {self.to_phase}"


class Reopening(models.Model):
    """HR reopened one submitted assessment, with a reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reopenings")
    reopened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.assessment} reopened"


class ReminderSent(models.Model):
    """A deadline reminder already sent: each person is reminded once per cycle and phase."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person", "phase"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.cycle} {self.phase}"


SCORE = {"max_digits": 9, "decimal_places": 4}


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobTrigger(models.TextChoices):
    MANUAL = "manual", _("Asked by HR")
    LEADER_SUBMISSION = "leader_submission", _("After leader submissions")
    NIGHTLY = "nightly", _("Nightly")


class ComputationJob(models.Model):
    """One run of compute_cycle: status, progress and the error, for the page to show.

    At most one job per cycle waits in the queue: a burst of triggers joins it."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="computation_jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    trigger = models.CharField(max_length=20, choices=JobTrigger.choices, default=JobTrigger.MANUAL)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    participant_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(status="queued"), name="one_queued_job_per_cycle"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.status} ({self.progress}%)"


class Result(models.Model):
    """A PM's computed score in a cycle, with the explanation of every step.

    Written by compute_cycle, all results of a cycle in one transaction; a rerun on the
    same inputs writes the same values. Calibration and acknowledgement live in their own
    tables, so a rerun never touches them."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="result")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="results")
    kpi_score = models.DecimalField(null=True, blank=True, **SCORE)
    competency_score = models.DecimalField(null=True, blank=True, **SCORE)
    final_score = models.DecimalField(null=True, blank=True, max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(null=True, blank=True)
    team_rank = models.PositiveIntegerField(null=True, blank=True)
    grade = models.CharField(max_length=8, blank=True)
    bonus_multiplier = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=2)
    flags = models.JSONField(default=list, blank=True)
    explanation = JSONText(default=dict, blank=True)
    # A hash of everything above as compute_cycle wrote it: a rerun that finds the same
    # digest stored leaves the row alone (no rewrite, no dead row).
    digest = models.CharField(max_length=32, blank=True, default="", editable=False)
    computed_at = models.DateTimeField()
    # The result's place in the cycle's default order (rank, no rank last, then the PM's
    # name as the database collates it, then the review), from 1: written by the
    # computation with the rest (and in the digest), so the calibration table's default
    # sort reads one page from an index instead of sorting every result of the cycle.
    position = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["cycle", "rank"]
        indexes = [
            models.Index(fields=["cycle", "rank"]),
            # The calibration table's default order, with the id the page's cut selects:
            # one page from the index alone, at any offset.
            models.Index(fields=["cycle", "position", "id"], name="result_cycle_position_idx"),
            # The grade distribution's count (with the review its calibration is joined
            # on) from the index alone, not from the wide rows.
            models.Index(fields=["cycle", "grade", "review"], name="result_cycle_grade_idx"),
            # "Which reviews of the cycle have a result" from the index alone: the rows
            # are wide (the explanation), and HR's cycle table asks it on every load.
            models.Index(fields=["cycle", "review"], name="result_cycle_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.final_score}"


class Calibration(models.Model):
    """HR's override of a PM's grade, with a reason. The effective grade is this one."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="calibration")
    grade = models.CharField(_("calibrated grade"), max_length=8)
    reason = models.TextField(_("reason"))
    calibrated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    calibrated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="calibration_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.grade}"


class Acknowledgement(models.Model):
    """The PM read their published result, and may have commented."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="acknowledgement")
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    def __str__(self) -> str:
        return f"{self.review} acknowledged"


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

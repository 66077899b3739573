"""Computation jobs and their results, calibrations and acknowledgements."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person
from reviews.fields import JSONText
from reviews.models.assessments import Review
from reviews.models.cycles import Cycle

SCORE = {"max_digits": 9, "decimal_places": 4}


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobFailure(models.TextChoices):
    """Why a failed job failed, so the page can say it in the reader's language."""

    ERROR = "error", _("An error")
    WORKER_LOST = "worker_lost", _("The worker stopped answering")
    SCORING_PROCESS_LOST = "process_lost", _("A scoring process ended without a result")


class JobTrigger(models.TextChoices):
    MANUAL = "manual", _("Asked by HR")
    LEADER_SUBMISSION = "leader_submission", _("After leader submissions")
    NIGHTLY = "nightly", _("Nightly")


class ComputationJob(models.Model):
    """One run of compute_cycle: status, progress and the error, for the page to show.

    At most one job per cycle waits in the queue: a burst of triggers joins it.

    A running job is held under a lease (reviews.computation.jobs): the run that claimed it
    renews `lease_expires_at` while it works; a running job whose lease has expired is dead
    (its worker was killed or lost the database) and is marked failed when read."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="computation_jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    trigger = models.CharField(max_length=20, choices=JobTrigger.choices, default=JobTrigger.MANUAL)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    failure = models.CharField(max_length=20, choices=JobFailure.choices, blank=True)
    # Who holds the running job (a token per claim) and until when: renewed by the run,
    # expired when its worker is gone.
    lease_holder = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
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

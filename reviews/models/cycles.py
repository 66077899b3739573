"""Cycles: the period, its phases and deadlines, and the scorecard frozen when it opens.

A cycle freezes its scorecard when it opens: the template's settings are copied into
`Cycle.scorecard` and its items into `CycleKpi` / `CycleCompetency` rows, which actuals and
ratings reference. Editing the template afterwards never changes the cycle.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person
from kpis import scoring
from kpis.models import MEASURE, WEIGHT, Competency, Direction, Kpi, ScorecardTemplate
from reviews.scorecards import scorecard_from


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
    # Optional, inside the review phase: peers answer until then, and from then on their
    # (final) views are shown to the leader (`permissions.is_peer_window_closed`).
    peer_deadline = models.DateTimeField(_("peer feedback deadline"), null=True, blank=True)
    calibration_deadline = models.DateTimeField(_("calibration deadline"))
    acknowledgement_deadline = models.DateTimeField(_("acknowledgement deadline"))
    scorecard = models.JSONField(_("frozen scorecard settings"), default=dict, blank=True)
    # The cycle ranking is HR's (SCORING.md section 5); a PM's rank in their team is shown
    # to them only where HR chose so for the cycle.
    is_team_rank_shown_to_pms = models.BooleanField(
        _("PMs see their rank in their team"), default=False
    )
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
            models.CheckConstraint(
                condition=Q(peer_deadline__isnull=True)
                | Q(self_assessment_deadline__lte=F("peer_deadline"))
                & Q(peer_deadline__lte=F("review_deadline")),
                name="cycle_peer_deadline_in_review",
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

    @property
    def peer_answers_deadline(self):
        """Until when peers answer: the peer feedback deadline, else the review deadline."""
        return self.peer_deadline or self.review_deadline

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

"""Each PM's review in a cycle: assessments (self, leader, peers), ratings, KPI actuals,
peer requests and reopenings."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person, Team
from kpis.models import MEASURE, WEIGHT
from reviews.models.cycles import Cycle, CycleCompetency, CycleKpi


class Review(models.Model):
    """One PM's review in a cycle, with their leader and team as they were when added."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reviews")
    leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="led_reviews")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reviews")
    adjustment = models.DecimalField(_("leader adjustment"), default=0, **WEIGHT)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    # Bumped by every write of what the leader typed on the review's own fields (the
    # adjustment), so a second tab's stale form is refused instead of overwriting.
    version = models.PositiveIntegerField(default=0)

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
    # Set when HR reopens the assessment: its owner may edit it until then, even after
    # the phase's own deadline or once the cycle has moved on.
    open_until = models.DateTimeField(_("open until"), null=True, blank=True)
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


class Reopening(models.Model):
    """HR reopened one submitted assessment, with a reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reopenings")
    reopened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.assessment} reopened"

"""A PM's development plan: what the leader and the PM agree to do so the PM grows.

The appraisal affirms the good work, names the gaps, analyses why, and says what help the
PM needs; the plan is that last part made concrete (actions, owners, due dates). The leader
writes it during the review, starting from the PM's "support needed"; the PM reads it with
their published result and records its progress in their next cycle, where it is reviewed.

Imports run one way: growth → reviews → kpis → appraisal.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appraisal.models import Person
from reviews.models import Review


class DevelopmentPlan(models.Model):
    """One per review, created by the PM's leader in that cycle."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="development_plan", verbose_name=_("review")
    )
    created_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped by every save of the leader's form (actions added, changed or removed), so a
    # second tab's stale form is refused instead of overwriting.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")

    def __str__(self) -> str:
        return f"{self.review}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class DevelopmentAction(models.Model):
    """One thing to do: what, who owns it (the PM, the leader or anyone in the company),
    by when, and how far it got (recorded by the PM in their next cycle)."""

    plan = models.ForeignKey(
        DevelopmentPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    what = models.TextField(_("action"))
    owner = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="development_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    progress_note = models.TextField(_("progress note"), blank=True)
    progress_recorded_at = models.DateTimeField(_("progress recorded"), null=True, blank=True)
    # Bumped by every write of the row (the leader's form, the PM's progress).
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("development action")
        verbose_name_plural = _("development actions")
        constraints = [
            models.CheckConstraint(condition=~Q(what=""), name="development_action_has_text"),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="development_action_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.what[:60]

"""The organisation every app refers to: teams, people and reporting lines.

Roles come from data, never from per-page flags:
- HR is membership of the group "HR"; Admin is Django's `is_staff`;
- a leader is a person others report to (`Person.leader`);
- a peer is someone asked for feedback (a peer request, in `reviews`).
`appraisal.permissions` is the one place that answers role questions.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TeamFunction(models.TextChoices):
    PRODUCT = "product", _("Product")
    DESIGN = "design", _("Design")
    ENGINEERING = "engineering", _("Engineering")
    QA = "qa", _("QA")
    OPERATIONS = "operations", _("Operations")
    DATA = "data", _("Data")
    PEOPLE = "people", _("People and HR")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    function = models.CharField(_("function"), max_length=20, choices=TeamFunction.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A profile beside Django's user: who someone is in the organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="person",
        verbose_name=_("user account"),
    )
    employee_id = models.CharField(_("employee ID"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="members", verbose_name=_("team")
    )
    leader = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("leader"),
    )
    is_reviewed_pm = models.BooleanField(
        _("PM under review"),
        default=False,
        help_text=_("Product managers who are appraised in review cycles."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(condition=~Q(leader=F("pk")), name="person_is_not_own_leader"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a leader that would close a loop in the reporting line (admin forms)."""
        seen = {self.pk}
        leader = self.leader
        while leader is not None:
            if leader.pk in seen:
                raise ValidationError(
                    {"leader": _("This leader would make the reporting line loop.")}
                )
            seen.add(leader.pk)
            leader = leader.leader

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Person, Team, TeamFunction
from kpis.models import ScorecardTemplate

from .models import (
    Assessment,
    AssessmentRole,
    Cycle,
    CycleCompetency,
    CycleKpi,
    PeriodKind,
    Phase,
)
from .services import ActualInput

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CycleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    period_kind = forms.ChoiceField(label=gettext_lazy("Period"), choices=PeriodKind.choices)
    period_start = forms.DateField(label=gettext_lazy("Period start"), widget=DATE)
    period_end = forms.DateField(label=gettext_lazy("Period end"), widget=DATE)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Scorecard template"),
        queryset=ScorecardTemplate.objects.filter(is_active=True),
    )
    self_assessment_deadline = forms.DateTimeField(
        label=gettext_lazy("Self-assessment deadline"), widget=DATETIME
    )
    review_deadline = forms.DateTimeField(label=gettext_lazy("Review deadline"), widget=DATETIME)
    calibration_deadline = forms.DateTimeField(
        label=gettext_lazy("Calibration deadline"), widget=DATETIME
    )
    acknowledgement_deadline = forms.DateTimeField(
        label=gettext_lazy("Acknowledgement deadline"), widget=DATETIME
    )


class AddParticipantsForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Every PM of these teams"),
        queryset=Team.objects.filter(function=TeamFunction.PRODUCT),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Or pick PMs one by one"),
        queryset=Person.objects.filter(is_reviewed_pm=True).select_related("team"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("teams") and not data.get("people"):
            raise forms.ValidationError(_("Pick at least one team or one PM."))
        return data

    def chosen_people(self) -> list[Person]:
        teams = self.cleaned_data.get("teams") or []
        chosen = {person.pk: person for person in self.cleaned_data.get("people") or []}
        for person in Person.objects.filter(team__in=teams, is_reviewed_pm=True):
            chosen.setdefault(person.pk, person)
        return list(chosen.values())


class AdvanceForm(forms.Form):
    override_blockers = forms.BooleanField(
        label=gettext_lazy("Move on anyway: I know what is still missing (this is recorded)"),
        required=False,
    )


class ExtendDeadlineForm(forms.Form):
    phase = forms.ChoiceField(
        label=gettext_lazy("Phase"),
        choices=[
            (p.value, p.label)
            for p in (Phase.SELF_ASSESSMENT, Phase.REVIEW, Phase.CALIBRATION, Phase.PUBLISHED)
        ],
    )
    deadline = forms.DateTimeField(label=gettext_lazy("New deadline"), widget=DATETIME)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def parse_assessment(
    data,
    *,
    role: str,
    competencies: list[CycleCompetency],
    kpis: list[CycleKpi],
    scale: tuple[int, int],
) -> tuple[dict, dict, dict, list[str]]:
    """Ratings, actuals and texts posted by an assessment page, and the problems with them.

    A rating is `rating-<item>`: a whole number on the scale, or "na" (not observed). An
    actual is `actual-<item>` with `evidence-<item>` (self-assessments only).
    """
    lo, hi = scale
    ratings: dict[int, int | None] = {}
    actuals: dict[int, ActualInput] = {}
    problems: list[str] = []
    for item in competencies:
        raw = (data.get(f"rating-{item.pk}") or "").strip()
        if not raw:
            continue
        if raw == "na":
            ratings[item.pk] = None
        elif raw.isdigit() and lo <= int(raw) <= hi:
            ratings[item.pk] = int(raw)
        else:
            problems.append(
                _("%(item)s: “%(value)s” is not a rating from %(lo)s to %(hi)s.")
                % {"item": item.competency, "value": raw, "lo": lo, "hi": hi}
            )
    if role == AssessmentRole.SELF:
        for item in kpis:
            if f"actual-{item.pk}" not in data:
                continue
            try:
                value = _decimal(data.get(f"actual-{item.pk}", ""))
            except ValueError as error:
                problems.append(
                    _("%(item)s: “%(value)s” is not a number.") % {"item": item.kpi, "value": error}
                )
                continue
            actuals[item.pk] = ActualInput(
                value=value, evidence=(data.get(f"evidence-{item.pk}") or "").strip()[:2000]
            )
    fields = {
        "self": ("strengths", "gaps", "support_needed"),
        "leader": ("comment",),
        "peer": ("comment",),
    }[role]
    texts = {name: (data.get(name) or "").strip()[:5000] for name in fields if name in data}
    return ratings, actuals, texts, problems


class ActualsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy(
            "Columns: pm (employee ID or username), kpi (key), value, evidence."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ReopenForm(forms.Form):
    """HR reopens one of the cycle's submitted assessments, with a reason."""

    assessment = forms.ModelChoiceField(
        label=gettext_lazy("Assessment"), queryset=Assessment.objects.none()
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = Assessment.objects.filter(
            review__cycle=cycle, submitted_at__isnull=False
        )


class CalibrateForm(forms.Form):
    """A calibrated grade and its reason (the service checks both against the cycle)."""

    grade = forms.CharField(max_length=20, required=False)
    reason = forms.CharField(max_length=2000, required=False)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(max_length=5000, required=False)

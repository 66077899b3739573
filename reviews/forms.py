from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Person, Team, TeamFunction
from kpis.models import ScorecardTemplate
from reviews.models import (
    Assessment,
    AssessmentRole,
    Cycle,
    CycleCompetency,
    CycleKpi,
    PeerRequest,
    PeriodKind,
    Phase,
    Review,
)
from reviews.services import TEXT_FIELDS, ActualInput, Adjustment, Verification, Verify
from reviews.services.cycles import PEER_FEEDBACK, peer_deadline_problem

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
    peer_deadline = forms.DateTimeField(
        label=gettext_lazy("Peer feedback deadline"),
        widget=DATETIME,
        required=False,
        help_text=gettext_lazy(
            "Peers answer until then; their views are shown to the leader for the rest of "
            "the review phase. Empty: peers answer until the review deadline and leaders see "
            "their views from calibration."
        ),
    )
    calibration_deadline = forms.DateTimeField(
        label=gettext_lazy("Calibration deadline"), widget=DATETIME
    )
    acknowledgement_deadline = forms.DateTimeField(
        label=gettext_lazy("Acknowledgement deadline"), widget=DATETIME
    )
    is_team_rank_shown_to_pms = forms.BooleanField(
        label=gettext_lazy("PMs see their rank in their team"),
        help_text=gettext_lazy(
            "Off: a PM sees their score, grade and bonus multiplier; rankings stay with HR "
            "and the leaders."
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("self_assessment_deadline") and data.get("review_deadline"):
            problem = peer_deadline_problem(
                data.get("peer_deadline"),
                self_assessment_deadline=data["self_assessment_deadline"],
                review_deadline=data["review_deadline"],
            )
            if problem:
                self.add_error("peer_deadline", problem)
        return data


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
        ]
        + [(PEER_FEEDBACK, gettext_lazy("Peer feedback"))],
    )
    deadline = forms.DateTimeField(label=gettext_lazy("New deadline"), widget=DATETIME)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def _grouping_separators() -> set[str]:
    """The separators a number typed in the active language may group thousands with: the
    language's own, and "," wherever "." marks the decimals (Chinese formats set none, but
    people type 1,500 there as in English)."""
    separators = {get_format("THOUSAND_SEPARATOR")}
    if get_format("DECIMAL_SEPARATOR") == ".":
        separators.add(",")
    return separators - {""}


def parse_number(text: str) -> Decimal | None:
    """A number typed in the active language's format (1234.5, 1,234.5, -2), or None when
    blank. Raises ValueError(text) for anything else: letters, exponents, and thousands
    grouped wrongly, like "1,5", which is 1.5 to a German and 15 to a careless parser."""
    text = (text or "").strip()
    if not text:
        return None
    whole, has_decimals, decimals = text.partition(get_format("DECIMAL_SEPARATOR"))
    sign = ""
    if whole.startswith(("-", "+")):
        sign, whole = whole[0], whole[1:]
    for separator in _grouping_separators():
        if separator in whole:
            groups = whole.split(separator)
            if not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])):
                raise ValueError(text)
            whole = "".join(groups)
    digits = whole + decimals
    if not (digits.isascii() and digits.isdigit()) or (has_decimals and not decimals):
        raise ValueError(text)
    try:
        return Decimal(f"{sign}{whole or '0'}.{decimals}" if has_decimals else f"{sign}{whole}")
    except InvalidOperation:
        raise ValueError(text) from None


class NumberField(forms.DecimalField):
    """A decimal typed in the active language's number format (see `parse_number`); the
    model's digits bound it, so a huge number is refused with a message, not by the
    database."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_number(str(value))
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s” is not a number: write it like %(example)s."),
                code="invalid",
                params={
                    "value": value,
                    "example": number_format(Decimal("1234.5"), 1, force_grouping=True),
                },
            ) from None


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
                value = parse_number(data.get(f"actual-{item.pk}", ""))
            except ValueError as error:
                problems.append(
                    _("%(item)s: “%(value)s” is not a number.") % {"item": item.kpi, "value": error}
                )
                continue
            actuals[item.pk] = ActualInput(
                value=value, evidence=(data.get(f"evidence-{item.pk}") or "").strip()[:2000]
            )
    fields = TEXT_FIELDS[role]
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
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        error_messages={"required": gettext_lazy("Give a reason for reopening.")},
    )
    open_until = forms.DateTimeField(
        label=gettext_lazy("Open until"),
        required=False,
        widget=DATETIME,
        error_messages={
            "invalid": gettext_lazy("Give the reopened assessment's deadline as a date and time.")
        },
    )

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = Assessment.objects.filter(
            review__cycle=cycle, submitted_at__isnull=False
        )


class CalibrateForm(forms.Form):
    """A calibrated grade and its reason (the service checks both against the cycle)."""

    grade = forms.CharField(max_length=20, required=False)
    reason = forms.CharField(max_length=2000, required=False)
    # The grade the page showed (the edit's version: calibrations are read as a grade).
    read_grade = forms.CharField(max_length=20, required=False)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(max_length=5000, required=False)


def _is_id(value) -> bool:
    """Could `value` be a primary key? Digits within a 64-bit integer: a longer number
    would overflow the database's integer before the lookup could find nothing."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63


class ChoiceOfField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses a value no row could have as its key."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ChoicesOfField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses values no row could have as its key."""

    def _check_values(self, value):
        for key in value:
            if not _is_id(key):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return super()._check_values(value)


class AssessmentForm(forms.Form):
    """An assessment's draft as its page posts it: the version the page was read at, and
    the ratings, actuals and texts `parse_assessment` reads (their problems are the form's
    errors)."""

    version = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        error_messages={
            "required": gettext_lazy("The page is out of date: reload it and try again."),
            "invalid": gettext_lazy("The page is out of date: reload it and try again."),
            "min_value": gettext_lazy("The page is out of date: reload it and try again."),
            "max_value": gettext_lazy("The page is out of date: reload it and try again."),
        },
        widget=forms.HiddenInput,
    )

    def __init__(
        self,
        *args,
        role: str,
        competencies: list[CycleCompetency],
        kpis: list[CycleKpi],
        scale: tuple[int, int],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.role, self.competencies, self.kpis, self.scale = role, competencies, kpis, scale

    def clean(self):
        data = super().clean()
        ratings, actuals, texts, problems = parse_assessment(
            self.data,
            role=self.role,
            competencies=self.competencies,
            kpis=self.kpis,
            scale=self.scale,
        )
        if problems:
            raise forms.ValidationError(problems)
        data.update(ratings=ratings, actuals=actuals, texts=texts)
        return data


PAGE_OUT_OF_DATE = gettext_lazy("The page is out of date: reload it and try again.")


class LeaderReviewForm(AssessmentForm):
    """The leader's whole page: the assessment's draft (see AssessmentForm), each KPI's
    verification, the adjustment and its reason, with the versions they were read at.

    A KPI's verification is `verify-<item>` (a `services.Verify` choice), with
    `corrected-<item>` (a number in the active language's format), `excuse-<item>` and
    `actual_version-<item>`; a KPI not posted is left as it is, and so is the adjustment."""

    review_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    adjustment = NumberField(
        label=gettext_lazy("Adjustment"), required=False, max_digits=6, decimal_places=2
    )
    adjustment_reason = forms.CharField(
        label=gettext_lazy("Reason for the adjustment"), max_length=2000, required=False
    )
    confirm_unverified = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        problems = []
        verifications = {}
        for item in self.kpis:
            verification, problem = self._verification(item)
            if problem:
                problems.append(problem)
            elif verification is not None:
                verifications[item.pk] = verification
        adjustment = None
        if "adjustment" in self.data and "adjustment" in data:
            if data.get("review_version") is None:
                problems.append(PAGE_OUT_OF_DATE)
            else:
                adjustment = Adjustment(
                    points=data["adjustment"] or Decimal(0),
                    reason=data.get("adjustment_reason", ""),
                    version=data["review_version"],
                )
        if problems:
            raise forms.ValidationError(problems)
        data.update(verifications=verifications, adjustment=adjustment)
        return data

    def _verification(self, item: CycleKpi) -> tuple[Verification | None, str]:
        """The posted verification of one KPI (None when not posted), or its problem."""
        verify = self.data.get(f"verify-{item.pk}")
        if verify is None:
            return None, ""
        if verify not in Verify.CHOICES:
            return None, _("%(item)s: choose confirm, correct or excuse.") % {"item": item.kpi}
        version = str(self.data.get(f"actual_version-{item.pk}", ""))
        if not (version.isascii() and version.isdigit() and len(version) < 10):
            return None, str(PAGE_OUT_OF_DATE)
        value = None
        if verify == Verify.CORRECT:
            field = NumberField(required=False, max_digits=16, decimal_places=4)
            try:
                value = field.clean(self.data.get(f"corrected-{item.pk}", ""))
            except forms.ValidationError as error:
                return None, f"{item.kpi}: {' '.join(error.messages)}"
        reason = (self.data.get(f"excuse-{item.pk}") or "").strip()[:2000]
        return Verification(verify=verify, version=int(version), value=value, reason=reason), ""


class NominatePeersForm(forms.Form):
    """The PM's nominations: colleagues among the review's candidates."""

    peers = ChoicesOfField(
        label=gettext_lazy("Colleagues"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peers"].queryset = candidates


class ApprovePeersForm(forms.Form):
    """The leader (or HR) approves the list, adding candidates and removing nominations."""

    peers = ChoicesOfField(
        label=gettext_lazy("Add peers"), queryset=Person.objects.none(), required=False
    )
    remove = ChoicesOfField(
        label=gettext_lazy("Remove"), queryset=PeerRequest.objects.none(), required=False
    )

    def __init__(self, *args, candidates, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peers"].queryset = candidates
        self.fields["remove"].queryset = review.peer_requests.all()

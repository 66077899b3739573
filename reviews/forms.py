from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Person, Team, TeamFunction
from kpis.models import MEASURE, WEIGHT, ScorecardTemplate
from reviews.fields import (
    MAX_NUMBER_LENGTH,
    ChoiceOfField,
    ChoicesOfField,
    NumberField,
    QueryForm,
    WholeNumberField,
)
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
    template = ChoiceOfField(
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
    teams = ChoicesOfField(
        label=gettext_lazy("Every PM of these teams"),
        queryset=Team.objects.filter(function=TeamFunction.PRODUCT),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = ChoicesOfField(
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


TEXT_LIMIT = 5000  # characters of an assessment's text (strengths, gaps, comment)
EVIDENCE_LIMIT = 2000  # characters of an actual's evidence or a leader's excuse


def _too_long(item, value: str, limit: int) -> str:
    """The problem with a text longer than its limit (refused, not cut short), or ""."""
    if len(value) <= limit:
        return ""
    return _("%(item)s: write at most %(limit)s characters (this has %(count)s).") % {
        "item": item,
        "limit": limit,
        "count": len(value),
    }


def parse_assessment(
    data,
    *,
    role: str,
    competencies: list[CycleCompetency],
    kpis: list[CycleKpi],
    scale: tuple[int, int],
) -> tuple[dict, dict, dict, list[str]]:
    """Ratings, actuals and texts posted by an assessment page, and the problems with them.

    A rating is `rating-<item>`: a whole number on the scale written with 0 to 9, or "na"
    (not observed). An actual is `actual-<item>` (a number in the active language's format
    that fits its column) with `evidence-<item>` (self-assessments only). A text longer
    than its limit is refused, not cut short.
    """
    lo, hi = scale
    ratings: dict[int, int | None] = {}
    actuals: dict[int, ActualInput] = {}
    problems: list[str] = []
    for item in competencies:
        raw = str(data.get(f"rating-{item.pk}") or "").strip()
        if not raw:
            continue
        if raw == "na":
            ratings[item.pk] = None
        elif raw.isascii() and raw.isdigit() and len(raw) <= 3 and lo <= int(raw) <= hi:
            ratings[item.pk] = int(raw)
        else:
            problems.append(
                _("%(item)s: “%(value)s” is not a rating from %(lo)s to %(hi)s.")
                % {"item": item.competency, "value": raw[:MAX_NUMBER_LENGTH], "lo": lo, "hi": hi}
            )
    if role == AssessmentRole.SELF:
        field = NumberField(required=False, **MEASURE)
        for item in kpis:
            if f"actual-{item.pk}" not in data:
                continue
            try:
                value = field.clean(data.get(f"actual-{item.pk}", ""))
            except forms.ValidationError as error:
                problems.append(f"{item.kpi}: {' '.join(error.messages)}")
                continue
            evidence = str(data.get(f"evidence-{item.pk}") or "").strip()
            if problem := _too_long(item.kpi, evidence, EVIDENCE_LIMIT):
                problems.append(problem)
                continue
            actuals[item.pk] = ActualInput(value=value, evidence=evidence)
    texts = {}
    for name in TEXT_FIELDS[role]:
        if name in data:
            texts[name] = str(data.get(name) or "").strip()
            if problem := _too_long(TEXT_LABELS.get(name, name), texts[name], TEXT_LIMIT):
                problems.append(problem)
    return ratings, actuals, texts, problems


TEXT_LABELS = {
    "strengths": gettext_lazy("Strengths"),
    "gaps": gettext_lazy("Gaps"),
    "support_needed": gettext_lazy("Support needed"),
    "comment": gettext_lazy("Comment"),
}


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

    assessment = ChoiceOfField(label=gettext_lazy("Assessment"), queryset=Assessment.objects.none())
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

    grade = forms.CharField(label=gettext_lazy("Grade"), max_length=20, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)
    # The grade the page showed (the edit's version: calibrations are read as a grade).
    read_grade = forms.CharField(
        max_length=20,
        error_messages={
            "required": gettext_lazy("The page is out of date: reload it and try again."),
            "max_length": gettext_lazy("The page is out of date: reload it and try again."),
        },
    )


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=5000, required=False)


class AssessmentForm(forms.Form):
    """An assessment's draft as its page posts it: the version the page was read at, and
    the ratings, actuals and texts `parse_assessment` reads (their problems are the form's
    errors)."""

    version = WholeNumberField(
        min_value=0,
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

    review_version = WholeNumberField(required=False, min_value=0, widget=forms.HiddenInput)
    adjustment = NumberField(label=gettext_lazy("Adjustment"), required=False, **WEIGHT)
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
            field = NumberField(required=False, **MEASURE)
            try:
                value = field.clean(self.data.get(f"corrected-{item.pk}", ""))
            except forms.ValidationError as error:
                return None, f"{item.kpi}: {' '.join(error.messages)}"
        reason = str(self.data.get(f"excuse-{item.pk}") or "").strip()
        if problem := _too_long(item.kpi, reason, EVIDENCE_LIMIT):
            return None, problem
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

    # The nominations the page showed (their ids, comma-separated): the list's version. If
    # the PM changed them since, approving would approve a list the leader never saw.
    read_nominations = forms.CharField(
        required=False,
        max_length=4000,
        error_messages={"max_length": _("The page is out of date: reload it and try again.")},
    )

    def clean_read_nominations(self) -> list[int]:
        if "read_nominations" not in self.data:
            raise forms.ValidationError(_("The page is out of date: reload it and try again."))
        parts = [part.strip() for part in self.cleaned_data["read_nominations"].split(",")]
        parts = [part for part in parts if part]
        if not all(part.isascii() and part.isdigit() and len(part) < 12 for part in parts):
            raise forms.ValidationError(_("The page is out of date: reload it and try again."))
        return sorted(int(part) for part in parts)


# --- the parameters of pages' addresses -------------------------------------------------------

ID_LIMIT = 2**63 - 1  # the largest key a row can have: a larger number finds nothing


class PageQuery(QueryForm):
    """?page=N of a paged table."""

    page = WholeNumberField(label=gettext_lazy("Page"), required=False, min_value=1)


class ResultsQuery(PageQuery):
    """The results table's filters, sort and page."""

    team = WholeNumberField(
        label=gettext_lazy("Team"), required=False, min_value=1, max_value=ID_LIMIT
    )
    leader = WholeNumberField(
        label=gettext_lazy("Leader"), required=False, min_value=1, max_value=ID_LIMIT
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), required=False, choices=())

    def __init__(self, *args, sorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [(sort, sort) for sort in sorts]


class ProgressQuery(QueryForm):
    """?was=running: the progress fragment was polled while the job ran."""

    was = forms.ChoiceField(required=False, choices=[("running", "running")])

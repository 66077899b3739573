"""The scorecard template editor: settings, grades and weighted items, as plain forms.

Forms check each field; the whole-template rules of SCORING.md (sums, ordering) are checked
once, by `kpis.services.template_problems`, on the dict built by `editor_template_dict`.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.fields import NumberField, QueryForm, WholeNumberField

from .models import MEASURE, WEIGHT, Competency, GradingMode, Kpi, KpiCategory

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _messages(message, *, decimals=None) -> dict:
    """One message, saying what to give, for every way a number field can be wrong: the
    editor's summary puts the item's name before it."""
    codes = ("required", "invalid", "min_value", "max_value", "max_digits", "max_whole_digits")
    messages = dict.fromkeys(codes, message)
    if decimals:
        messages["max_decimal_places"] = decimals
    return messages


def _number(label, *, digits=WEIGHT, **kwargs):
    """A number typed in the active language's format, bounded by its column (`digits`);
    the browser's number input sends it with a "." whatever the language."""
    return NumberField(
        label=label,
        localize=False,
        widget=forms.NumberInput(attrs={"step": "any", "class": "form-control"}),
        **digits,
        **kwargs,
    )


def _weight(label, *, is_item=False, **kwargs):
    """A weight from 0 to 100; an item's weight above 0 (SCORING.md: an item weighs in, or
    is left out of the template; the database refuses an item of weight 0 too)."""
    if is_item:
        message = _("Give a weight above 0 and at most 100.")
        return _number(
            label,
            min_value=Decimal("0.01"),
            max_value=Decimal(100),
            error_messages=_messages(message, decimals=_("Give a weight with at most 2 decimals.")),
            **kwargs,
        )
    return _number(
        label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        error_messages=_messages(
            _("Give a weight between 0 and 100."),
            decimals=_("Give a weight with at most 2 decimals."),
        ),
        **kwargs,
    )


def _measure(label, *, message, required=True):
    return _number(
        label,
        digits=MEASURE,
        required=required,
        error_messages=_messages(message, decimals=_("Give a number with at most 4 decimals.")),
    )


class TemplateSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scale_lo = WholeNumberField(label=_("Lowest rating"), min_value=0, max_value=100)
    scale_hi = WholeNumberField(label=_("Highest rating"), min_value=1, max_value=100)
    kpi_section_weight = _weight(_("KPIs"))
    competency_section_weight = _weight(_("Competencies"))
    self_weight = _weight(_("Self"))
    leader_weight = _weight(_("Leader"))
    peer_weight = _weight(_("Peers"))
    min_peer_responses = WholeNumberField(
        label=_("Minimum peer responses"), min_value=1, max_value=50
    )
    stretch_cap = NumberField(
        label=_("Stretch cap"),
        min_value=Decimal(100),
        max_value=Decimal(1000),
        localize=False,  # a number input, as before: the browser sends it with a "."
        **WEIGHT,
    )
    max_adjustment = NumberField(
        label=_("Maximum leader adjustment (points)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        localize=False,
        **WEIGHT,
    )
    grading_mode = forms.ChoiceField(label=_("Grading"), choices=GradingMode.choices)
    # The template's version the page was read at (see ScorecardTemplate.version).
    version = WholeNumberField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page is out of date: reload it and try again."),
            "invalid": _("The page is out of date: reload it and try again."),
            "min_value": _("The page is out of date: reload it and try again."),
            "max_value": _("The page is out of date: reload it and try again."),
        },
    )


class GradeForm(forms.Form):
    grade = forms.CharField(
        label=_("Grade"),
        max_length=8,
        widget=forms.TextInput(attrs={"class": "form-control", "size": 3}),
    )
    # The band's floor is a score (0 to 100, kept with 2 decimals like a weight).
    min_score = _number(
        _("Band: lowest score"),
        error_messages=_messages(
            _("Give the band's lowest score as a number."),
            decimals=_("Give a number with at most 2 decimals."),
        ),
    )
    quota = _weight(_("Quota (%)"))
    bonus_multiplier = _number(
        _("Bonus multiplier"),
        digits={"max_digits": 5, "decimal_places": 2},
        min_value=Decimal(0),
    )


class KpiItemForm(forms.Form):
    """One KPI row. Choices (catalog keys) are built once per page and shared by every row,
    so the page's query count does not grow with the number of items."""

    kpi = forms.ChoiceField(
        label=_("KPI"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("Choose a KPI."),
            "invalid_choice": _("Choose a KPI from the list."),
        },
    )
    threshold = _measure(_("Threshold"), message=_("Give the threshold as a number."))
    target = _measure(_("Target"), message=_("Give the target as a number."))
    stretch = _measure(
        _("Stretch"), message=_("Give the stretch as a number, or leave it empty."), required=False
    )
    weight = _weight(_("Weight"), is_item=True)

    def __init__(self, *args, kpi_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", "---------"), *kpi_choices]


class CompetencyItemForm(forms.Form):
    competency = forms.ChoiceField(
        label=_("Competency"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("Choose a competency."),
            "invalid_choice": _("Choose a competency from the list."),
        },
    )
    weight = _weight(_("Weight"), is_item=True)

    def __init__(self, *args, competency_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [("", "---------"), *competency_choices]


def kpi_choices() -> list:
    """Active KPIs grouped by category, as (key, name) choices: one query."""
    groups: dict[str, list] = {}
    labels = dict(KpiCategory.choices)
    for kpi in Kpi.objects.filter(is_active=True).order_by("category", "name"):
        groups.setdefault(str(labels.get(kpi.category, kpi.category)), []).append(
            (kpi.key, kpi.localized_name)
        )
    return list(groups.items())


def competency_choices() -> list:
    return [
        (competency.key, competency.localized_name)
        for competency in Competency.objects.filter(is_active=True).order_by("name")
    ]


GradeFormSet = forms.formset_factory(GradeForm, extra=0, min_num=1, validate_min=True)
KpiItemFormSet = forms.formset_factory(KpiItemForm, extra=1, can_delete=True)
CompetencyItemFormSet = forms.formset_factory(CompetencyItemForm, extra=1, can_delete=True)


class ScenarioUploadForm(forms.Form):
    scenario = forms.FileField(
        label=_("Scenario file (JSON)"),
        required=False,
        help_text=_(
            "Participants' inputs in the scenario format; the template being edited "
            "supplies the settings and items."
        ),
    )

    def clean_scenario(self):
        upload = self.cleaned_data.get("scenario")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class TemplateImportForm(forms.Form):
    template_file = forms.FileField(label=_("Template file (JSON)"))

    def clean_template_file(self):
        upload = self.cleaned_data["template_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


def _chosen_name(form, field_name: str) -> str:
    """The name of the item a row has chosen, as its drop-down shows it ("" if none)."""
    chosen = form.data.get(form.add_prefix(field_name), "")
    for value, label in form.fields[field_name].choices:
        options = label if isinstance(label, list | tuple) else [(value, label)]
        for option_value, option_label in options:
            if chosen and option_value == chosen:
                return str(option_label)
    return ""


def editor_form_problems(
    *, settings_form, grade_formset, kpi_formset, competency_formset, scenario_form
) -> list[str]:
    """The editor's field errors as a list above the form, each naming its item ("GMV
    growth: Give a weight between 0 and 100."); the same errors stay beside the fields."""
    named = _("%(item)s: %(problem)s")
    problems = [
        named % {"item": settings_form.fields[name].label, "problem": error}
        if settings_form.fields[name].label
        else str(error)  # the hidden version: its message stands alone
        for name, errors in settings_form.errors.items()
        for error in errors
    ]
    for index, form in enumerate(grade_formset.forms):
        grade = form.data.get(form.add_prefix("grade"), "").strip()
        item = _("Grade %(grade)s") % {"grade": grade or index + 1}
        problems += [
            named % {"item": item, "problem": error}
            for errors in form.errors.values()
            for error in errors
        ]
    if grade_formset.non_form_errors():
        problems.append(_("Add at least one grade."))
    for formset, field_name, row_label in (
        (kpi_formset, "kpi", _("KPI %(number)s")),
        (competency_formset, "competency", _("Competency %(number)s")),
    ):
        for index, form in enumerate(formset.forms):
            item = _chosen_name(form, field_name) or row_label % {"number": index + 1}
            problems += [
                named % {"item": item, "problem": error}
                for errors in form.errors.values()
                for error in errors
            ]
    problems += [
        named % {"item": _("What-if scenario"), "problem": error}
        for errors in scenario_form.errors.values()
        for error in errors
    ]
    return problems


def _filled(formset) -> list[dict]:
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def editor_initial(data: dict) -> dict:
    """Initial values of the editor's forms from a template dict."""
    grading = data["grading"]
    return {
        "settings": {
            "name": data["name"],
            "name_zh": data.get("name_zh", ""),
            "description": data.get("description", ""),
            "scale_lo": data["scale"]["lo"],
            "scale_hi": data["scale"]["hi"],
            "kpi_section_weight": data["section_weights"]["kpi"],
            "competency_section_weight": data["section_weights"]["competency"],
            "self_weight": data["source_weights"]["self"],
            "leader_weight": data["source_weights"]["leader"],
            "peer_weight": data["source_weights"]["peer"],
            "min_peer_responses": data["min_peer_responses"],
            "stretch_cap": data["stretch_cap"],
            "max_adjustment": data["max_adjustment"],
            "grading_mode": grading["mode"],
        },
        "grades": [
            {
                "grade": grade,
                "min_score": grading["bands"].get(grade),
                "quota": grading["quotas"].get(grade),
                "bonus_multiplier": data["bonus_multipliers"].get(grade),
            }
            for grade in grading["bands"]
        ],
        "kpis": [{**item, "kpi": item["key"]} for item in data["kpis"]],
        "competencies": [{**item, "competency": item["key"]} for item in data["competencies"]],
    }


def editor_template_dict(
    *, key: str, settings_form, grade_formset, kpi_formset, competency_formset, description_zh=""
) -> dict:
    """The template dict described by the editor's (valid) forms."""
    settings = settings_form.cleaned_data
    grades = _filled(grade_formset)
    return {
        "key": key,
        "name": settings["name"],
        "name_zh": settings["name_zh"],
        "description": settings["description"],
        "description_zh": description_zh,
        "scale": {"lo": settings["scale_lo"], "hi": settings["scale_hi"]},
        "section_weights": {
            "kpi": settings["kpi_section_weight"],
            "competency": settings["competency_section_weight"],
        },
        "source_weights": {
            "self": settings["self_weight"],
            "leader": settings["leader_weight"],
            "peer": settings["peer_weight"],
        },
        "min_peer_responses": settings["min_peer_responses"],
        "stretch_cap": settings["stretch_cap"],
        "max_adjustment": settings["max_adjustment"],
        "grading": {
            "mode": settings["grading_mode"],
            "bands": {grade["grade"]: grade["min_score"] for grade in grades},
            "quotas": {grade["grade"]: grade["quota"] for grade in grades},
        },
        "bonus_multipliers": {grade["grade"]: grade["bonus_multiplier"] for grade in grades},
        "kpis": [
            {
                "key": item["kpi"],
                "threshold": item["threshold"],
                "target": item["target"],
                "stretch": item.get("stretch"),
                "weight": item["weight"],
            }
            for item in _filled(kpi_formset)
        ],
        "competencies": [
            {"key": item["competency"], "weight": item["weight"]}
            for item in _filled(competency_formset)
        ],
    }


class KpiListQuery(QueryForm):
    """The KPI catalog's category filter (?category=…)."""

    category = forms.ChoiceField(label=_("Category"), required=False, choices=KpiCategory.choices)

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import permissions

from . import examples, selectors, services
from .forms import (
    CompetencyItemFormSet,
    GradeFormSet,
    KpiItemFormSet,
    KpiListQuery,
    ScenarioUploadForm,
    TemplateImportForm,
    TemplateSettingsForm,
    competency_choices,
    editor_form_problems,
    editor_initial,
    editor_template_dict,
    kpi_choices,
)


def _require_admin(request) -> None:
    if not permissions.can_configure_scorecards(request.user):
        raise PermissionDenied(_("Only administrators configure scorecards."))


@login_required
def template_list(request):
    _require_admin(request)
    return render(request, "kpis/template_list.html", {"templates": selectors.template_list()})


def _editor_forms(request, saved: dict, version: int):
    kpi_kwargs = {"kpi_choices": kpi_choices()}
    competency_kwargs = {"competency_choices": competency_choices()}
    if request.method == "POST":
        return (
            TemplateSettingsForm(request.POST, prefix="settings"),
            GradeFormSet(request.POST, prefix="grades"),
            KpiItemFormSet(request.POST, prefix="kpis", form_kwargs=kpi_kwargs),
            CompetencyItemFormSet(
                request.POST, prefix="competencies", form_kwargs=competency_kwargs
            ),
            ScenarioUploadForm(request.POST, request.FILES, prefix="whatif"),
        )
    initial = editor_initial(saved)
    return (
        TemplateSettingsForm(
            initial={**initial["settings"], "version": version}, prefix="settings"
        ),
        GradeFormSet(initial=initial["grades"], prefix="grades"),
        KpiItemFormSet(initial=initial["kpis"], prefix="kpis", form_kwargs=kpi_kwargs),
        CompetencyItemFormSet(
            initial=initial["competencies"], prefix="competencies", form_kwargs=competency_kwargs
        ),
        ScenarioUploadForm(prefix="whatif"),
    )


def _template_editor(request, pk: int, *, on_valid, is_preview: bool = False):
    """The template editor page. On a POST whose forms are all valid, `on_valid(template,
    data, saved, scenario_form)` returns a response (saved: a redirect) or the problems and
    the preview to show on the page again."""
    _require_admin(request)
    template = get_object_or_404(selectors.template_queryset(), pk=pk)
    saved = services.template_to_dict(template)
    settings_form, grade_formset, kpi_formset, competency_formset, scenario_form = _editor_forms(
        request, saved, template.version
    )
    problems: list[str] = []
    status = 400
    preview = None
    forms_valid = request.method == "POST" and all(
        form.is_valid()
        for form in (settings_form, grade_formset, kpi_formset, competency_formset, scenario_form)
    )
    if forms_valid:
        data = editor_template_dict(
            key=template.key,
            settings_form=settings_form,
            grade_formset=grade_formset,
            kpi_formset=kpi_formset,
            competency_formset=competency_formset,
            description_zh=template.description_zh,
        )
        outcome = on_valid(
            template, data, saved, scenario_form, settings_form.cleaned_data["version"]
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        problems, preview, *conflict = outcome
        status = 409 if conflict else 400
    elif request.method == "POST":
        problems = editor_form_problems(
            settings_form=settings_form,
            grade_formset=grade_formset,
            kpi_formset=kpi_formset,
            competency_formset=competency_formset,
            scenario_form=scenario_form,
        ) or [_("Some fields need attention: see the messages beside them.")]
    return render(
        request,
        "kpis/template_edit.html",
        {
            "template": template,
            "settings_form": settings_form,
            "grade_formset": grade_formset,
            "kpi_formset": kpi_formset,
            "competency_formset": competency_formset,
            "scenario_form": scenario_form,
            "problems": problems,
            "preview": preview,
            "is_preview": is_preview,
            "open_cycles_note": True,
        },
        status=status if problems else 200,
    )


def _save(request, template, data, saved, scenario_form, version):
    try:
        services.template_update(template=template, data=data, version=version)
    except services.TemplateConflict as conflict:
        return conflict.problems, None, True
    except services.TemplateInvalid as invalid:
        return invalid.problems, None
    messages.success(request, _("Template “%(name)s” saved.") % {"name": data["name"]})
    return redirect("kpis:template_edit", pk=template.pk)


def _preview(request, template, data, saved, scenario_form, version):
    upload = scenario_form.cleaned_data.get("scenario")
    if upload is None:
        return [_("Choose a scenario file to preview.")], None
    preview = selectors.template_preview(edited=data, saved=saved, scenario_bytes=upload.read())
    return preview.problems, preview


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    """The editor; its POST saves the template."""
    return _template_editor(request, pk, on_valid=lambda *args: _save(request, *args))


@login_required
@require_POST
def template_preview(request, pk: int):
    """Score a scenario file against the template as edited, beside the saved one; nothing
    is saved."""
    return _template_editor(
        request, pk, on_valid=lambda *args: _preview(request, *args), is_preview=True
    )


@login_required
@require_POST
def template_clone(request, pk: int):
    _require_admin(request)
    template = get_object_or_404(selectors.template_queryset(), pk=pk)
    clone = services.template_clone(template=template)
    messages.success(request, _("Cloned as “%(name)s”. Adapt it and save.") % {"name": clone.name})
    return redirect("kpis:template_edit", pk=clone.pk)


@login_required
def template_export(request, pk: int):
    _require_admin(request)
    template = get_object_or_404(selectors.template_queryset(), pk=pk)
    response = HttpResponse(
        services.template_dumps(template), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="scorecard-{template.key}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def template_import(request):
    _require_admin(request)
    form = TemplateImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_import_json(
                text=form.cleaned_data["template_file"].read().decode("utf-8", errors="replace")
            )
        except services.TemplateInvalid as invalid:
            problems = invalid.problems
        else:
            messages.success(request, _("Imported “%(name)s”.") % {"name": template.name})
            return redirect("kpis:template_edit", pk=template.pk)
    return render(
        request,
        "kpis/template_import.html",
        {"form": form, "problems": problems, "example": examples.template_example_source()},
        status=400 if problems else 200,
    )


@login_required
@require_GET
def template_import_example(request):
    """A file the import page accepts unchanged: an existing template's export, new key."""
    _require_admin(request)
    template = examples.template_example_source()
    if template is None:
        raise Http404
    response = HttpResponse(
        examples.template_example_json(template=template),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="scorecard-example.json"'
    return response


@login_required
def kpi_list(request):
    if not permissions.can_view_catalog(request.user):
        raise PermissionDenied
    form = KpiListQuery(request.GET)
    for problem in form.problems:
        messages.warning(request, problem)
    category = form.values()["category"] or ""
    return render(
        request,
        "kpis/kpi_list.html",
        {
            "kpis": selectors.kpi_list(category=category),
            "category": category,
            "categories": selectors.KPI_CATEGORIES,
        },
    )


@login_required
def competency_list(request):
    if not permissions.can_view_catalog(request.user):
        raise PermissionDenied
    return render(
        request, "kpis/competency_list.html", {"competencies": selectors.competency_list()}
    )

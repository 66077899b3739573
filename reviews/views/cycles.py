"""HR's review cycles: the list, a new cycle, a cycle's page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews import page_parts, permissions, selectors, services
from reviews.forms import (
    AddParticipantsForm,
    AdvanceForm,
    CycleForm,
    ExtendDeadlineForm,
    PageQuery,
    ReopenForm,
)
from reviews.models import AssessmentRole
from reviews.views.common import (
    PAGE_SIZE,
    _actor,
    _options_html,
    form_problems,
    hr_required,
    read_query,
)
from reviews.views.overlaps import warn_overlapping_cycles

# --- HR: cycles -----------------------------------------------------------------------------


@hr_required
def cycle_list(request):
    return render(request, "reviews/cycle_list.html", {"cycles": selectors.cycle_list()})


@hr_required
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    form = CycleForm(request.POST or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=_actor(request), **form.cleaned_data)
        except services.ReviewError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _("Cycle “%(name)s” created as a draft. Add participants, then open it.")
                % {"name": cycle.name},
            )
            return redirect("reviews:cycle_detail", pk=cycle.pk)
    return render(
        request,
        "reviews/cycle_form.html",
        {"form": form, "problems": problems},
        status=400 if problems else 200,
    )


@hr_required
@require_GET
def cycle_detail(request, pk: int):
    return _cycle_page(request, selectors.cycle_get(pk=pk))


def _cycle_page(
    request,
    cycle,
    *,
    add_form=None,
    advance_form=None,
    extend_form=None,
    problems: list[str] = (),
    blocked: list[str] = (),
):
    """The cycle's page, as its GET shows it and as a refused action shows it again (400,
    with the form's errors, or what blocks the move)."""
    number = read_query(request, PageQuery).values()["page"] or 1
    reviews = SimpleLazyObject(
        lambda: selectors.review_progress_page(cycle=cycle, number=number, per_page=PAGE_SIZE)
    )
    blockers = blocked
    if not blocked and cycle.is_open:
        blockers = SimpleLazyObject(lambda: services.cycle_blockers(cycle=cycle))
    is_refused = bool(problems or blocked) or any(
        form is not None and form.is_bound and not form.is_valid()
        for form in (add_form, advance_form, extend_form)
    )
    return render(
        request,
        "reviews/cycle_detail.html",
        {
            "cycle": cycle,
            "reviews": reviews,
            "page_number": number,
            "blockers": blockers,
            "was_blocked": bool(blocked),
            "next_phase": services.next_phase(cycle.phase),
            "is_draft": permissions.can_remove_participants(cycle),
            "add_form": add_form or AddParticipantsForm(prefix="add"),
            "advance_form": advance_form or AdvanceForm(prefix="advance"),
            "extend_form": extend_form or ExtendDeadlineForm(prefix="extend"),
            "problems": list(problems),
            "phase_changes": selectors.cycle_phase_changes(cycle=cycle),
            "submitted_assessments": SimpleLazyObject(lambda: _reopen_choices(reviews)),
            "cached_part": page_parts.cycle_part_key(request, cycle.pk),
        },
        status=400 if is_refused else 200,
    )


@hr_required
@require_POST
def cycle_participants_add(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    form = AddParticipantsForm(request.POST, prefix="add")
    if not form.is_valid():
        return _cycle_page(request, cycle, add_form=form)
    try:
        added = services.cycle_add_participants(
            cycle=cycle, people=form.chosen_people(), actor=_actor(request)
        )
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(request, _("%(count)s participant(s) added.") % {"count": len(added)})
    warn_overlapping_cycles(request, cycle=cycle, person_ids=[r.person_id for r in added])
    return redirect("reviews:cycle_detail", pk=cycle.pk)


@hr_required
@require_POST
def cycle_participant_remove(request, pk: int, review_pk: int):
    cycle = selectors.cycle_get(pk=pk)
    review = selectors.cycle_review_get(cycle=cycle, pk=review_pk)
    try:
        services.cycle_remove_participant(review=review, actor=_actor(request))
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(request, _("%(name)s removed from the cycle.") % {"name": review.person})
    return redirect("reviews:cycle_detail", pk=cycle.pk)


@hr_required
@require_POST
def cycle_open(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    try:
        services.cycle_open(cycle=cycle, actor=_actor(request))
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(request, _("The cycle is open: participants were told by e-mail."))
    return redirect("reviews:cycle_detail", pk=cycle.pk)


@hr_required
@require_POST
def cycle_advance(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    form = AdvanceForm(request.POST, prefix="advance")
    if not form.is_valid():
        return _cycle_page(request, cycle, advance_form=form)
    try:
        moved = services.cycle_advance(
            cycle=cycle,
            actor=_actor(request),
            override_blockers=form.cleaned_data["override_blockers"],
        )
    except services.PhaseBlocked as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), blocked=error.problems)
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(
        request, _("The cycle moved to %(phase)s.") % {"phase": moved.get_phase_display()}
    )
    return redirect("reviews:cycle_detail", pk=cycle.pk)


@hr_required
@require_POST
def cycle_deadline_extend(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    form = ExtendDeadlineForm(request.POST, prefix="extend")
    if not form.is_valid():
        return _cycle_page(request, cycle, extend_form=form)
    try:
        services.cycle_extend_deadline(cycle=cycle, actor=_actor(request), **form.cleaned_data)
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(request, _("Deadline extended."))
    return redirect("reviews:cycle_detail", pk=cycle.pk)


@hr_required
@require_POST
def cycle_assessment_reopen(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    form = ReopenForm(request.POST, cycle=cycle)
    if not form.is_valid():
        if "assessment" in form.errors:
            raise Http404  # not a submitted assessment of this cycle
        return _cycle_page(request, cycle, problems=form_problems(form))
    try:
        services.assessment_reopen(actor=_actor(request), **form.cleaned_data)
    except services.ReviewError as error:
        return _cycle_page(request, selectors.cycle_get(pk=pk), problems=error.problems)
    messages.success(request, _("Assessment reopened."))
    return redirect("reviews:cycle_detail", pk=cycle.pk)


def _reopen_choices(reviews) -> SafeString:
    """The <option>s of the submitted assessments of the PMs on this page of the cycle
    table: the whole cycle would be 7 options a PM, thousands. Read as values, with the
    role's label looked up once, not per row (get_role_display rebuilds its choices), and
    written here, not by the template (~30 µs an option, up to 700 of them)."""
    labels = {value: str(label) for value, label in AssessmentRole.choices}
    choices = []
    for pk, role, person, assessor in selectors.submitted_assessment_rows(
        review_ids=[review.pk for review in reviews]
    ):
        label = f"{person}: {labels.get(role, role)}"
        choices.append(
            (pk, label if role == AssessmentRole.PEER else f"{label} ({assessor})", False)
        )
    return _options_html(choices)

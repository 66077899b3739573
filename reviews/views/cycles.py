"""HR's review cycles: the list, a new cycle, a cycle's page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reviews import selectors, services
from reviews.forms import (
    AddParticipantsForm,
    AdvanceForm,
    CycleForm,
    ExtendDeadlineForm,
    ReasonForm,
)
from reviews.models import (
    Assessment,
    AssessmentRole,
    Phase,
    Review,
)
from reviews.views.common import PAGE_SIZE, _actor, _int_param, _options_html, _require_hr

# --- HR: cycles -----------------------------------------------------------------------------


@login_required
def cycle_list(request):
    _require_hr(request)
    return render(request, "reviews/cycle_list.html", {"cycles": selectors.cycle_list()})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    _require_hr(request)
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


@login_required
@require_http_methods(["GET", "POST"])
def cycle_detail(request, pk: int):
    _require_hr(request)
    cycle = selectors.cycle_get(pk=pk)
    add_form = AddParticipantsForm(prefix="add")
    advance_form = AdvanceForm(prefix="advance")
    extend_form = ExtendDeadlineForm(prefix="extend")
    problems: list[str] = []
    blocked: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                add_form = AddParticipantsForm(request.POST, prefix="add")
                if add_form.is_valid():
                    added = services.cycle_add_participants(
                        cycle=cycle, people=add_form.chosen_people()
                    )
                    messages.success(
                        request, _("%(count)s participant(s) added.") % {"count": len(added)}
                    )
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "remove":
                review = get_object_or_404(Review, pk=request.POST.get("review"), cycle=cycle)
                services.cycle_remove_participant(review=review)
                messages.success(
                    request, _("%(name)s removed from the cycle.") % {"name": review.person}
                )
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "open":
                services.cycle_open(cycle=cycle, actor=_actor(request))
                messages.success(request, _("The cycle is open: participants were told by e-mail."))
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "advance":
                advance_form = AdvanceForm(request.POST, prefix="advance")
                if advance_form.is_valid():
                    moved = services.cycle_advance(
                        cycle=cycle,
                        actor=_actor(request),
                        override_blockers=advance_form.cleaned_data["override_blockers"],
                    )
                    messages.success(
                        request,
                        _("The cycle moved to %(phase)s.") % {"phase": moved.get_phase_display()},
                    )
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "extend":
                extend_form = ExtendDeadlineForm(request.POST, prefix="extend")
                if extend_form.is_valid():
                    services.cycle_extend_deadline(cycle=cycle, **extend_form.cleaned_data)
                    messages.success(request, _("Deadline extended."))
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "reopen":
                assessment = get_object_or_404(
                    Assessment, pk=request.POST.get("assessment"), review__cycle=cycle
                )
                reason_form = ReasonForm(request.POST)
                if not reason_form.is_valid():
                    raise services.ReviewError(_("Give a reason for reopening."))
                services.assessment_reopen(
                    assessment=assessment,
                    actor=_actor(request),
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(request, _("Assessment reopened."))
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            else:
                problems = [_("Unknown action.")]
        except services.PhaseBlocked as error:
            blocked = error.problems
        except services.ReviewError as error:
            problems = error.problems
        cycle = selectors.cycle_get(pk=pk)
    number = _int_param(request, "page") or 1
    reviews = SimpleLazyObject(
        lambda: selectors.review_progress_page(cycle=cycle, number=number, per_page=PAGE_SIZE)
    )
    blockers = blocked
    if not blocked and cycle.is_open:
        blockers = SimpleLazyObject(lambda: services.cycle_blockers(cycle=cycle))
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
            "is_draft": cycle.phase == Phase.DRAFT,
            "add_form": add_form,
            "advance_form": advance_form,
            "extend_form": extend_form,
            "problems": problems,
            "phase_changes": cycle.phase_changes.select_related("moved_by"),
            "submitted_assessments": SimpleLazyObject(lambda: _reopen_choices(reviews)),
        },
        status=400 if (problems or blocked) else 200,
    )


def _reopen_choices(reviews) -> SafeString:
    """The <option>s of the submitted assessments of the PMs on this page of the cycle
    table: the whole cycle would be 7 options a PM, thousands. Read as values, with the
    role's label looked up once, not per row (get_role_display rebuilds its choices), and
    written here, not by the template (~30 µs an option, up to 700 of them)."""
    labels = {value: str(label) for value, label in AssessmentRole.choices}
    choices = []
    for pk, role, person, assessor in (
        Assessment.objects.filter(
            review__in=[review.pk for review in reviews], submitted_at__isnull=False
        )
        .order_by("review__person__name", "role")
        .values_list("pk", "role", "review__person__name", "assessor__name")
    ):
        label = f"{person}: {labels.get(role, role)}"
        choices.append(
            (pk, label if role == AssessmentRole.PEER else f"{label} ({assessor})", False)
        )
    return _options_html(choices)

"""The development plan's pages and actions: the leader writes the plan during their
review, HR reads it, the PM reads it once published and records its progress in the next
cycle. A refused action shows its page again (400, or 409 when someone saved first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import selectors as review_selectors
from reviews.models import AssessmentRole, Review
from reviews.services import EditConflict, ReviewError
from reviews.views.common import _actor, form_problems

from . import permissions, selectors, services
from .forms import PlanVersionForm, ProgressForm, action_formset


def _formset_problems(formset) -> list[str]:
    """A refused formset's errors, each row's prefixed with its number."""
    problems = [str(error) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        problems += [
            _("Action %(number)s: %(problem)s") % {"number": number, "problem": problem}
            for problem in form_problems(form)
        ]
    return problems


# --- the leader's plan ----------------------------------------------------------------------


def _readable_review(request, pk: int) -> Review:
    """The review if the user may read its plan: 404 when they may not see the review at
    all, 403 for the PM before publication."""
    review = review_selectors.review_get(user=request.user, pk=pk)
    if not permissions.can_read_plan(request.user, review):
        raise PermissionDenied(_("Your development plan is shown with your published result."))
    return review


def _plan_page(request, review: Review, *, formset=None, problems=(), conflict=False):
    plan = selectors.plan_get(review=review)
    leader_assessment = selectors.assessment_of(review=review, role=AssessmentRole.LEADER)
    is_editable = permissions.can_edit_plan(request.user, review, leader_assessment)
    if is_editable and formset is None:
        formset = action_formset(
            owners=selectors.owner_choices(), actions=plan.actions.all() if plan else ()
        )
    context = {
        "review": review,
        "cycle": review.cycle,
        "plan": plan,
        "version": plan.version if plan else 0,
        "formset": formset if is_editable else None,
        "is_editable": is_editable,
        "support_needed": selectors.support_needed(review=review),
        "problems": list(problems),
        "conflict": conflict,
    }
    status = (409 if conflict else 400) if problems else 200
    return render(request, "growth/plan_edit.html", context, status=status)


@login_required
@require_GET
def plan(request, pk: int):
    """The review's development plan: the leader's form while they may edit it, otherwise
    the plan to read; with the plan carried in from the previous cycle and its progress."""
    return _plan_page(request, _readable_review(request, pk))


@login_required
@require_POST
def plan_save(request, pk: int):
    """The leader saves the whole plan: every row in one audited call."""
    review = _readable_review(request, pk)
    leader_assessment = selectors.assessment_of(review=review, role=AssessmentRole.LEADER)
    if not permissions.can_edit_plan(request.user, review, leader_assessment):
        raise PermissionDenied(_("Only the PM's leader edits the plan, during their review."))
    formset = action_formset(owners=selectors.owner_choices(), data=request.POST)
    version = PlanVersionForm(request.POST)
    if not (version.is_valid() and formset.is_valid()):
        problems = form_problems(version) + _formset_problems(formset)
        return _plan_page(request, review, formset=formset, problems=problems)
    try:
        services.development_plan_save(
            review=review,
            actor=_actor(request),
            version=version.cleaned_data["version"],
            actions=formset.action_inputs(),
        )
    except EditConflict as error:
        return _plan_page(request, review, formset=formset, problems=error.problems, conflict=True)
    except ReviewError as error:
        return _plan_page(request, review, formset=formset, problems=error.problems)
    messages.success(request, _("Development plan saved."))
    return redirect("growth:plan", pk=review.pk)


# --- the previous plan's progress, in the next cycle ----------------------------------------


def _previous_review(request, pk: int) -> Review:
    review = review_selectors.review_get(user=request.user, pk=pk)
    if not permissions.can_read_previous_plan(request.user, review):
        raise Http404
    return review


def _previous_page(request, review: Review, *, refused=None, problems=(), conflict=False):
    """The plan carried into `review`, with the PM's progress forms (`refused`: the action
    id and bound form of a refused one, shown as typed). The page's part reads the plan
    (growth_tags.carried_plan), as on the self-assessment page."""
    context = {
        "review": review,
        "cycle": review.cycle,
        "refused": refused,
        "problems": list(problems),
        "conflict": conflict,
    }
    status = (409 if conflict else 400) if problems else 200
    return render(request, "growth/previous_plan.html", context, status=status)


@login_required
@require_GET
def previous_plan(request, pk: int):
    """The previous cycle's plan as this review carries it (the PM records progress here
    too; the self-assessment page shows the same part)."""
    return _previous_page(request, _previous_review(request, pk))


@login_required
@require_POST
def progress_record(request, pk: int, action_pk: int):
    """The PM records one action's progress (status and note)."""
    review = _previous_review(request, pk)
    self_assessment = selectors.assessment_of(review=review, role=AssessmentRole.SELF)
    if not permissions.can_record_progress(request.user, review, self_assessment):
        raise PermissionDenied(_("Only the PM records progress, with their self-assessment."))
    action = selectors.previous_action_get(review=review, pk=action_pk)
    form = ProgressForm(request.POST, prefix=ProgressForm.prefix_for(action.pk))
    if not form.is_valid():
        return _previous_page(
            request, review, refused=(action.pk, form), problems=form_problems(form)
        )
    try:
        services.development_progress_record(
            review=review,
            action=action,
            actor=_actor(request),
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data["progress_note"],
        )
    except EditConflict as error:
        return _previous_page(
            request, review, refused=(action.pk, form), problems=error.problems, conflict=True
        )
    except ReviewError as error:
        return _previous_page(request, review, refused=(action.pk, form), problems=error.problems)
    messages.success(request, _("Progress recorded."))
    return redirect("reviews:self_assessment", pk=review.pk)

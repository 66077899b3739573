"""The assessment pages: self-assessment and peer feedback, and their actions (the
leader's review, one form of its own, is in `leader_review`).

Each page is a GET; its actions post to their own URLs (save a draft, submit), and a
refused action shows the page again (400, or 409 when someone saved first) with what to
fix."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import permissions, selectors, services
from reviews.forms import AssessmentForm, ReasonForm
from reviews.models import Assessment, AssessmentRole, PeerRequest, Review
from reviews.views.common import _actor, form_problems

# --- the pages ------------------------------------------------------------------------------


def _assessment_page(
    request,
    *,
    review: Review,
    assessment: Assessment,
    template: str,
    extra: dict,
    form: AssessmentForm | None = None,
    problems: list[str] = (),
    conflict: bool = False,
):
    """An assessment's page, as its GET shows it and as a refused action shows it again
    (400, or 409 on an edit conflict), with the typed values kept."""
    cycle = review.cycle
    kpis, competencies = selectors.cycle_items(cycle)
    scale = cycle.scoring_card.scale
    saved_ratings = selectors.ratings_by_item(assessment)
    saved_actuals = selectors.actuals_by_item(review)
    posted = form.data if form is not None and problems else {}
    rating_values = {
        item.pk: posted.get(f"rating-{item.pk}")
        if f"rating-{item.pk}" in posted
        else _rating_text(saved_ratings.get(item.pk))
        for item in competencies
    }
    actual_values = {
        item.pk: (
            posted.get(f"actual-{item.pk}", _number_text(saved_actuals.get(item.pk))),
            posted.get(f"evidence-{item.pk}", getattr(saved_actuals.get(item.pk), "evidence", "")),
        )
        for item in kpis
    }
    text_values = {
        name: posted.get(name, getattr(assessment, name))
        for name in ("strengths", "gaps", "support_needed", "comment")
    }
    context = {
        "review": review,
        "cycle": cycle,
        "assessment": assessment,
        "kpis": kpis,
        "competencies": competencies,
        "scale": range(scale.lo, scale.hi + 1),
        "rating_values": rating_values,
        "actual_values": actual_values,
        "text_values": text_values,
        "problems": list(problems),
        "conflict": conflict,
        "is_editable": permissions.can_edit_assessment(assessment, cycle),
        "reopened": selectors.reopened_get(assessment, cycle),
        **extra,
    }
    return render(
        request, template, context, status=(409 if conflict else 400) if problems else 200
    )


def _rating_text(rating) -> str:
    if rating is None:
        return ""
    return "na" if rating.value is None else str(rating.value)


def _number_text(actual) -> str:
    if actual is None or actual.reported_value is None:
        return ""
    value = actual.reported_value
    return str(value.quantize(1) if value == value.to_integral_value() else value.normalize())


def _assessment_save(
    request,
    *,
    review: Review,
    assessment: Assessment,
    template: str,
    extra,
    submit: bool,
    page_url: str,
):
    """Save the posted draft, or submit it; an htmx autosave gets the status fragment."""
    kpis, competencies = selectors.cycle_items(review.cycle)
    scale = review.cycle.scoring_card.scale
    form = AssessmentForm(
        request.POST,
        role=assessment.role,
        competencies=competencies,
        kpis=kpis,
        scale=(scale.lo, scale.hi),
    )
    problems, conflict = [], False
    if not form.is_valid():
        problems = form_problems(form)
    else:
        try:
            assessment = services.assessment_save(
                assessment=assessment,
                actor=_actor(request),
                version=form.cleaned_data["version"],
                ratings=form.cleaned_data["ratings"],
                texts=form.cleaned_data["texts"],
                actuals=form.cleaned_data["actuals"] or None,
                submit=submit,
            )
        except services.EditConflict as error:
            problems, conflict = error.problems, True
        except services.ReviewError as error:
            problems = error.problems
    if request.htmx:
        return render(
            request,
            "reviews/partials/save_status.html",
            {"assessment": assessment, "problems": problems, "saved_at": timezone.now()},
            status=409 if conflict else (400 if problems else 200),
        )
    if problems:
        return _assessment_page(
            request,
            review=review,
            assessment=assessment,
            template=template,
            extra=extra(),
            form=form,
            problems=problems,
            conflict=conflict,
        )
    if assessment.is_submitted:
        messages.success(request, _("Submitted. Thank you: your answers are now locked."))
        return redirect("home")
    messages.success(request, _("Draft saved."))
    return redirect(page_url)


# --- self-assessment ------------------------------------------------------------------------


def _self_assessment_get(request, pk: int) -> tuple[Review, Assessment]:
    """The PM's own review and self-assessment; 404 for anyone else, or in a draft."""
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.can_self_assess(request.user, review):
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    return review, assessment


def _self_extra(review: Review):
    return lambda: {"actuals": selectors.actuals_by_item(review)}


@login_required
@require_GET
def self_assessment(request, pk: int):
    review, assessment = _self_assessment_get(request, pk)
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/self_assessment.html",
        extra=_self_extra(review)(),
    )


def _self_assessment_post(request, pk: int, *, submit: bool):
    review, assessment = _self_assessment_get(request, pk)
    return _assessment_save(
        request,
        review=review,
        assessment=assessment,
        template="reviews/self_assessment.html",
        extra=_self_extra(review),
        submit=submit,
        page_url=reverse("reviews:self_assessment", args=[review.pk]),
    )


@login_required
@require_POST
def self_assessment_save(request, pk: int):
    """Save the self-assessment's draft (the page's autosave and its "Save draft")."""
    return _self_assessment_post(request, pk, submit=False)


@login_required
@require_POST
def self_assessment_submit(request, pk: int):
    """Submit the self-assessment, which locks it."""
    return _self_assessment_post(request, pk, submit=True)


# --- peer feedback --------------------------------------------------------------------------


def _peer_request_get(request, pk: int) -> tuple[PeerRequest, Assessment]:
    """A request addressed to the signed-in peer and their answer; 404 for anyone else."""
    peer_request = selectors.peer_request_get(user=request.user, pk=pk)
    assessment = services.assessment_get_or_create(
        review=peer_request.review, assessor=peer_request.peer, role=AssessmentRole.PEER
    )
    return peer_request, assessment


def _peer_page(request, peer_request: PeerRequest, assessment: Assessment, *, problems=()):
    return _assessment_page(
        request,
        review=peer_request.review,
        assessment=assessment,
        template="reviews/peer_assessment.html",
        extra={"peer_request": peer_request},
        problems=problems,
    )


@login_required
@require_GET
def peer_request(request, pk: int):
    peer_request, assessment = _peer_request_get(request, pk)
    return _peer_page(request, peer_request, assessment)


def _peer_request_post(request, pk: int, *, submit: bool):
    peer_request, assessment = _peer_request_get(request, pk)
    return _assessment_save(
        request,
        review=peer_request.review,
        assessment=assessment,
        template="reviews/peer_assessment.html",
        extra=lambda: {"peer_request": peer_request},
        submit=submit,
        page_url=reverse("reviews:peer_request", args=[peer_request.pk]),
    )


@login_required
@require_POST
def peer_request_save(request, pk: int):
    """Save the peer's draft feedback (autosave and "Save draft")."""
    return _peer_request_post(request, pk, submit=False)


@login_required
@require_POST
def peer_request_submit(request, pk: int):
    """Submit the peer's feedback, which locks it."""
    return _peer_request_post(request, pk, submit=True)


@login_required
@require_POST
def peer_request_decline(request, pk: int):
    """The peer declines the request, saying why."""
    peer_request, assessment = _peer_request_get(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _peer_page(
            request, peer_request, assessment, problems=[_("Give a reason for declining.")]
        )
    try:
        services.peer_request_decline(
            request=peer_request, actor=_actor(request), reason=form.cleaned_data["reason"]
        )
    except services.ReviewError as error:
        return _peer_page(request, peer_request, assessment, problems=error.problems)
    messages.success(request, _("You declined. Thank you for saying why."))
    return redirect("home")

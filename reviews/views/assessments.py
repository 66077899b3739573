"""The assessment pages: self-assessment, leader review, peer feedback."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reviews import permissions, selectors, services
from reviews.forms import (
    ReasonForm,
    _decimal,
    parse_assessment,
)
from reviews.models import (
    Assessment,
    AssessmentRole,
    Phase,
    Review,
)
from reviews.views.common import _actor

# --- assessments ----------------------------------------------------------------------------


def _assessment_page(
    request, *, review: Review, assessment: Assessment, template: str, extra: dict
):
    cycle = review.cycle
    kpis, competencies = selectors.cycle_items(cycle)
    scale = cycle.scoring_card.scale
    problems: list[str] = []
    conflict = False
    if request.method == "POST":
        ratings, actuals, texts, problems = parse_assessment(
            request.POST,
            role=assessment.role,
            competencies=competencies,
            kpis=kpis,
            scale=(scale.lo, scale.hi),
        )
        version = request.POST.get("version", "")
        if not problems:
            try:
                assessment = services.assessment_save(
                    assessment=assessment,
                    actor=_actor(request),
                    version=int(version) if version.isdigit() else -1,
                    ratings=ratings,
                    texts=texts,
                    actuals=actuals or None,
                    submit=request.POST.get("action") == "submit",
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
        if not problems:
            if assessment.is_submitted:
                messages.success(request, _("Submitted. Thank you: your answers are now locked."))
                return redirect("home")
            messages.success(request, _("Draft saved."))
            return redirect(request.path)
    saved_ratings = selectors.ratings_by_item(assessment)
    saved_actuals = selectors.actuals_by_item(review)
    posted = request.POST if problems else {}
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
        "problems": problems,
        "conflict": conflict,
        "is_editable": not assessment.is_submitted
        and services.within_deadline(cycle, services.PHASE_OF_ROLE[assessment.role]),
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


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.is_reviewed_person(request.user, review):
        raise Http404
    if review.cycle.phase == Phase.DRAFT:
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/self_assessment.html",
        extra={"actuals": selectors.actuals_by_item(review)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def leader_review(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.is_reviewing_leader(request.user, review):
        raise Http404
    if review.cycle.phase in (Phase.DRAFT,):
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.leader, role=AssessmentRole.LEADER
    )
    self_assessment = review.assessments.filter(
        role=AssessmentRole.SELF, submitted_at__isnull=False
    ).first()
    if request.method == "POST" and request.POST.get("action") in ("verify", "adjust"):
        try:
            _leader_action(request, review)
        except services.ReviewError as error:
            for problem in error.problems:
                messages.error(request, problem)
        return redirect(request.path)
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/leader_review.html",
        extra={
            "actuals": selectors.actuals_by_item(review),
            "self_assessment": self_assessment,
            "self_ratings": selectors.ratings_by_item(self_assessment),
            "peer_aggregates": selectors.peer_aggregates(review=review),
            "min_peers": review.cycle.scoring_card.min_peer_responses,
            "max_adjustment": review.cycle.scoring_card.max_adjustment,
        },
    )


def _leader_action(request, review: Review) -> None:

    actor = _actor(request)
    if request.POST.get("action") == "verify":
        item = get_object_or_404(review.cycle.kpi_items, pk=request.POST.get("item"))
        try:
            value = _decimal(request.POST.get("verified_value", ""))
        except ValueError as error:
            raise services.ReviewError(
                _("“%(value)s” is not a number.") % {"value": error}
            ) from None
        services.actual_verify(
            review=review,
            item=item,
            actor=actor,
            value=value,
            excused_reason=request.POST.get("excused_reason", ""),
        )
        messages.success(request, _("%(kpi)s updated.") % {"kpi": item.kpi})
    else:
        try:
            points = _decimal(request.POST.get("adjustment", "")) or 0
        except ValueError as error:
            raise services.ReviewError(
                _("“%(value)s” is not a number.") % {"value": error}
            ) from None

        services.review_adjust(
            review=review,
            actor=actor,
            points=Decimal(points),
            reason=request.POST.get("adjustment_reason", ""),
        )
        messages.success(request, _("Adjustment saved."))


@login_required
@require_http_methods(["GET", "POST"])
def peer_request(request, pk: int):
    peer_request = selectors.peer_request_get(user=request.user, pk=pk)
    review = peer_request.review
    if request.method == "POST" and request.POST.get("action") == "decline":
        form = ReasonForm(request.POST)
        try:
            if not form.is_valid():
                raise services.ReviewError(_("Give a reason for declining."))
            services.peer_request_decline(
                request=peer_request, actor=_actor(request), reason=form.cleaned_data["reason"]
            )
        except services.ReviewError as error:
            for problem in error.problems:
                messages.error(request, problem)
            return redirect(request.path)
        messages.success(request, _("You declined. Thank you for saying why."))
        return redirect("home")
    assessment = services.assessment_get_or_create(
        review=review, assessor=peer_request.peer, role=AssessmentRole.PEER
    )
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/peer_assessment.html",
        extra={"peer_request": peer_request},
    )

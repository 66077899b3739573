"""The leader's review of a PM: one page, one form (the actuals' verification, the
adjustment, the ratings and the written words), saved as a draft or submitted.

A refused save shows the page again with what was typed (400, or 409 when someone saved
first, keeping the versions the page was read at so nothing is overwritten); a submission
with unverified actuals shows it again with a warning and a "Submit anyway" button."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import obligations, permissions, selectors, services
from reviews.forms import LeaderReviewForm
from reviews.models import Assessment, AssessmentRole, CycleKpi, KpiActual, Review
from reviews.views.assessments import _rating_text
from reviews.views.common import _actor, form_problems

TEMPLATE = "reviews/leader_review.html"

# The page's choice for each verification state (see obligations.verification_of).
VERIFY_OF_STATE = {
    "": services.Verify.PENDING,
    "confirmed": services.Verify.CONFIRM,
    "corrected": services.Verify.CORRECT,
    "excused": services.Verify.EXCUSE,
}


@dataclass
class ActualRow:
    """One KPI's row: what the PM reported, what the leader did (saved), and the values
    the form shows (saved, or as typed when a save was refused)."""

    item: CycleKpi
    actual: KpiActual | None
    state: str  # saved: "", "confirmed", "corrected", "excused"
    verify: str  # the form's choice
    corrected: object  # the corrected value shown in its field
    excuse: str
    version: object


def _actual_rows(kpis, actuals: dict[int, KpiActual], posted) -> list[ActualRow]:
    rows = []
    for item in kpis:
        actual = actuals.get(item.pk)
        state = obligations.verification_of(actual)
        pk = item.pk
        rows.append(
            ActualRow(
                item=item,
                actual=actual,
                state=state,
                verify=posted.get(f"verify-{pk}", VERIFY_OF_STATE[state]),
                corrected=posted.get(
                    f"corrected-{pk}", actual.verified_value if state == "corrected" else None
                ),
                excuse=posted.get(f"excuse-{pk}", getattr(actual, "excused_reason", "")),
                version=posted.get(f"actual_version-{pk}", getattr(actual, "version", 0)),
            )
        )
    return rows


def _leader_review_get(request, pk: int) -> tuple[Review, Assessment]:
    """The review and the leader's assessment, for the PM's leader; 404 for anyone else."""
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.can_lead_review(request.user, review):
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.leader, role=AssessmentRole.LEADER
    )
    return review, assessment


def _page(
    request,
    review: Review,
    assessment: Assessment,
    *,
    form: LeaderReviewForm | None = None,
    problems=(),
    conflict: bool = False,
    unverified: services.UnverifiedActuals | None = None,
):
    """The page as its GET shows it, and as a refused save shows it again."""
    cycle = review.cycle
    kpis, competencies = selectors.cycle_items(cycle)
    card = cycle.scoring_card
    posted = form.data if form is not None and (problems or unverified) else {}
    saved_ratings = selectors.ratings_by_item(assessment)
    self_assessment = selectors.submitted_self_assessment(review=review)
    context = {
        "review": review,
        "cycle": cycle,
        "assessment": assessment,
        "version": posted.get("version", assessment.version),
        "review_version": posted.get("review_version", review.version),
        "actual_rows": _actual_rows(kpis, selectors.actuals_by_item(review), posted),
        "adjustment": posted.get("adjustment", review.adjustment),
        "adjustment_reason": posted.get("adjustment_reason", review.adjustment_reason),
        "competencies": competencies,
        "scale": range(card.scale.lo, card.scale.hi + 1),
        "rating_values": {
            item.pk: posted.get(f"rating-{item.pk}", _rating_text(saved_ratings.get(item.pk)))
            for item in competencies
        },
        "text_values": {
            name: posted.get(name, getattr(assessment, name))
            for name in services.TEXT_FIELDS[AssessmentRole.LEADER]
        },
        "self_assessment": self_assessment,
        "self_ratings": selectors.ratings_by_item(self_assessment),
        "peer_aggregates": selectors.peer_aggregates(review=review),
        "feedback": selectors.written_feedback(review=review),
        "min_peers": card.min_peer_responses,
        "is_peer_window_closed": permissions.is_peer_window_closed(cycle),
        "max_adjustment": card.max_adjustment,
        "problems": list(problems),
        "conflict": conflict,
        "unverified": unverified,
        "is_editable": permissions.can_edit_assessment(assessment, cycle),
        "reopened": selectors.reopened_get(assessment, cycle),
    }
    status = (409 if conflict else 400) if (problems or unverified) else 200
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_GET
def leader_review(request, pk: int):
    review, assessment = _leader_review_get(request, pk)
    return _page(request, review, assessment)


def _leader_review_post(request, pk: int, *, submit: bool):
    """Save the whole page (or submit it); an htmx autosave gets the status fragment."""
    review, assessment = _leader_review_get(request, pk)
    kpis, competencies = selectors.cycle_items(review.cycle)
    scale = review.cycle.scoring_card.scale
    form = LeaderReviewForm(
        request.POST,
        role=AssessmentRole.LEADER,
        competencies=competencies,
        kpis=kpis,
        scale=(scale.lo, scale.hi),
    )
    problems, conflict, unverified = [], False, None
    if not form.is_valid():
        problems = form_problems(form)
    else:
        data = form.cleaned_data
        try:
            assessment = services.leader_review_save(
                assessment=assessment,
                actor=_actor(request),
                version=data["version"],
                ratings=data["ratings"],
                texts=data["texts"],
                verifications=data["verifications"],
                adjustment=data["adjustment"],
                submit=submit,
                confirm_unverified=data["confirm_unverified"],
            )
        except services.UnverifiedActuals as error:
            unverified = error
        except services.EditConflict as error:
            problems, conflict = error.problems, True
        except services.ReviewError as error:
            problems = error.problems
    if request.htmx:
        problems = problems or (unverified.problems if unverified else [])
        saved = not problems
        return render(
            request,
            "reviews/partials/leader_save_status.html",
            {
                "assessment": assessment,
                # What the save wrote, for the page's versions and badges (none when refused).
                "review": assessment.review if saved else review,
                "actual_rows": _actual_rows(kpis, selectors.actuals_by_item(review), {})
                if saved
                else [],
                "problems": problems,
                "saved_at": timezone.now(),
            },
            status=409 if conflict else (400 if problems else 200),
        )
    if problems or unverified:
        return _page(
            request,
            review,
            assessment,
            form=form,
            problems=problems,
            conflict=conflict,
            unverified=unverified,
        )
    if assessment.is_submitted:
        messages.success(request, _("Submitted. Thank you: your answers are now locked."))
        return redirect("home")
    messages.success(request, _("Draft saved."))
    return redirect("reviews:leader_review", pk=review.pk)


@login_required
@require_POST
def leader_review_save(request, pk: int):
    """Save the leader's whole page as a draft (autosave and "Save draft")."""
    return _leader_review_post(request, pk, submit=False)


@login_required
@require_POST
def leader_review_submit(request, pk: int):
    """Submit the leader's review, which locks it; with unverified actuals, only once the
    leader confirmed ("Submit anyway")."""
    return _leader_review_post(request, pk, submit=True)

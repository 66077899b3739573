"""Peers: the PM nominates, the leader (or HR) approves; each action has its own URL."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import permissions, selectors, services
from reviews.forms import ApprovePeersForm, NominatePeersForm
from reviews.models import PeerRequestStatus, Review
from reviews.views.common import _actor, form_problems


def _peers_review_get(request, pk: int) -> Review:
    """The review, for its PM, their leader or HR once the cycle is open; 404 otherwise."""
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.can_view_peers(request.user, review):
        raise Http404
    return review


def _peers_page(request, review: Review, *, problems: list[str] = (), conflict: bool = False):
    """The peer list, as its GET shows it and as a refused action shows it again (400)."""
    requests = list(selectors.peer_request_list(review=review))
    # The PM sees whom they nominated and whether it was approved, never what anyone answered.
    return render(
        request,
        "reviews/peers.html",
        {
            "review": review,
            "requests": requests,
            "candidates": selectors.peer_candidates(review=review),
            "chosen_ids": {request.peer_id for request in requests},
            "read_nominations": ",".join(
                str(request.pk)
                for request in sorted(requests, key=lambda request: request.pk)
                if request.status == PeerRequestStatus.NOMINATED
            ),
            "is_pm": permissions.is_reviewed_person(request.user, review),
            "can_approve": permissions.can_approve_peers(request.user, review),
            "shows_answers": permissions.can_see_peer_answers(request.user, review.cycle),
            "problems": list(problems),
            "min_peers": services.MIN_PEERS,
            "max_peers": services.MAX_PEERS,
        },
        status=(409 if conflict else 400) if problems else 200,
    )


@login_required
@require_GET
def peers(request, pk: int):
    """The PM nominates peers; the leader (or HR) approves, removes or adds."""
    return _peers_page(request, _peers_review_get(request, pk))


@login_required
@require_POST
def peers_nominate(request, pk: int):
    """The PM nominates colleagues; their leader approves the list."""
    review = _peers_review_get(request, pk)
    if not permissions.can_nominate_peers(request.user, review):
        raise PermissionDenied(_("Only the PM nominates their peers."))
    form = NominatePeersForm(request.POST, candidates=selectors.peer_candidates(review=review))
    if not form.is_valid():
        return _peers_page(request, review, problems=form_problems(form))
    try:
        services.peer_nominations_set(
            review=review, actor=_actor(request), peers=list(form.cleaned_data["peers"])
        )
    except services.ReviewError as error:
        return _peers_page(request, review, problems=error.problems)
    messages.success(request, _("Nominations sent to your leader for approval."))
    return redirect("reviews:peers", pk=review.pk)


@login_required
@require_POST
def peers_approve(request, pk: int):
    """The leader (or HR) approves the list, after removing nominations or adding peers."""
    review = _peers_review_get(request, pk)
    if not permissions.can_approve_peers(request.user, review):
        raise PermissionDenied(_("Only the PM's leader or HR approves peers."))
    form = ApprovePeersForm(
        request.POST, candidates=selectors.peer_candidates(review=review), review=review
    )
    if not form.is_valid():
        return _peers_page(request, review, problems=form_problems(form))
    try:
        services.peer_requests_approve(
            review=review,
            actor=_actor(request),
            is_hr=permissions.can_manage_cycles(request.user),
            add=list(form.cleaned_data["peers"]),
            remove=[peer_request.pk for peer_request in form.cleaned_data["remove"]],
            read_nominations=form.cleaned_data["read_nominations"],
        )
    except services.ReviewError as error:
        return _peers_page(
            request,
            review,
            problems=error.problems,
            conflict=isinstance(error, services.EditConflict),
        )
    messages.success(request, _("Peers approved: each was asked by e-mail."))
    return redirect("reviews:peers", pk=review.pk)

"""Peers: the PM nominates, the leader (or HR) approves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal.models import Person
from reviews import permissions, selectors, services
from reviews.models import (
    Phase,
)
from reviews.views.common import _actor

# --- peers ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def peers(request, pk: int):
    """The PM nominates peers; the leader (or HR) approves, removes or adds."""
    review = selectors.review_get(user=request.user, pk=pk)
    is_pm = permissions.is_reviewed_person(request.user, review)
    can_approve = permissions.can_approve_peers(request.user, review)
    if not (is_pm or can_approve) or review.cycle.phase == Phase.DRAFT:
        raise Http404
    candidates = (
        Person.objects.exclude(team_id=review.team_id)
        .exclude(pk__in=[review.person_id, review.leader_id])
        .select_related("team")
        .order_by("team__name", "name")
    )
    problems: list[str] = []
    if request.method == "POST":
        chosen = list(candidates.filter(pk__in=request.POST.getlist("peers")))
        try:
            if request.POST.get("action") == "nominate" and is_pm:
                services.peer_nominations_set(review=review, actor=_actor(request), peers=chosen)
                messages.success(request, _("Nominations sent to your leader for approval."))
            elif request.POST.get("action") == "approve" and can_approve:
                services.peer_requests_approve(
                    review=review,
                    actor=_actor(request),
                    is_hr=permissions.can_manage_cycles(request.user),
                    add=chosen,
                    remove=[int(pk) for pk in request.POST.getlist("remove") if pk.isdigit()],
                )
                messages.success(request, _("Peers approved: each was asked by e-mail."))
            else:
                raise PermissionDenied
            return redirect(request.path)
        except services.ReviewError as error:
            problems = error.problems
    requests = review.peer_requests.select_related("peer__team").order_by("peer__name")
    # The PM sees whom they nominated and whether it was approved, never what anyone answered.
    return render(
        request,
        "reviews/peers.html",
        {
            "review": review,
            "requests": requests,
            "candidates": candidates,
            "chosen_ids": {request.peer_id for request in requests},
            "is_pm": is_pm,
            "can_approve": can_approve,
            "problems": problems,
            "min_peers": services.MIN_PEERS,
            "max_peers": services.MAX_PEERS,
        },
        status=400 if problems else 200,
    )

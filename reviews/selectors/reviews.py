"""Reads of a cycle's reviews and their progress, scoped to what the asking user may see,
in a fixed number of queries whatever the number of PMs."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from appraisal.models import Person
from reviews import obligations, permissions
from reviews.models import (
    AssessmentRole,
    Cycle,
    PeerRequest,
    PeerRequestStatus,
    Review,
)


def _peer_requests(*statuses: str) -> Coalesce:
    """How many of the review's peer requests have one of `statuses`: a subquery, so the
    count of a paginated list stays a plain COUNT(*) and only the shown rows pay for it."""
    return Coalesce(
        Subquery(
            PeerRequest.objects.filter(review=OuterRef("pk"), status__in=statuses)
            .order_by()
            .values("review")
            .annotate(count=Count("pk"))
            .values("count")
        ),
        0,
    )


def review_progress_list(*, cycle: Cycle, leader: Person | None = None) -> QuerySet[Review]:
    """Each review of the cycle with its progress: self and leader submitted, peers asked
    and answered. One query (and a plain COUNT(*) when paginated)."""
    reviews = (
        Review.objects.filter(cycle=cycle)
        .select_related("person", "leader", "team")
        .annotate(
            has_self_submitted=obligations.has_submitted(AssessmentRole.SELF),
            has_leader_submitted=obligations.has_submitted(AssessmentRole.LEADER),
            peers_nominated=_peer_requests(PeerRequestStatus.NOMINATED),
            peers_asked=_peer_requests(PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED),
            peers_answered=_peer_requests(PeerRequestStatus.SUBMITTED),
        )
        .order_by("team__name", "person__name")
    )
    if leader is not None:
        reviews = reviews.filter(leader=leader)
    return reviews


def cut_then_load(ordered: QuerySet, number, per_page: int, full: QuerySet) -> Page:
    """A page of `ordered`, sorted and cut alone (in a subquery, joined only to what its
    sort and filters need), whose rows are then read from `full` (the joins and
    annotations the page shows), in the same order: the shown rows only pay for them."""
    page = Paginator(ordered, per_page).get_page(number)
    page.object_list = full.filter(pk__in=page.object_list.values("pk")).order_by(
        *ordered.query.order_by
    )
    return page


def review_progress_page(*, cycle: Cycle, number, per_page: int) -> Page:
    """One page of review_progress_list; the progress of the shown rows only is computed."""
    return cut_then_load(
        Review.objects.filter(cycle=cycle).order_by("team__name", "person__name", "pk"),
        number,
        per_page,
        review_progress_list(cycle=cycle),
    )


def review_get(*, user, pk: int) -> Review:
    """The review if the user may see it; 404 otherwise (never revealing it exists)."""
    return get_object_or_404(
        Review.objects.filter(permissions.visible_reviews_filter(user)).select_related(
            "cycle", "person", "leader", "team"
        ),
        pk=pk,
    )

"""Reads of peer requests and of the anonymous peer input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from appraisal.models import Person
from reviews import permissions
from reviews.models import (
    Assessment,
    AssessmentRole,
    PeerRequest,
    Rating,
    Review,
)


def peer_request_get(*, user, pk: int) -> PeerRequest:
    return get_object_or_404(
        PeerRequest.objects.filter(permissions.peer_requests_filter(user)).select_related(
            "review__cycle", "review__person", "review__team"
        ),
        pk=pk,
    )


def peer_candidates(*, review: Review) -> QuerySet[Person]:
    """Whom the review's peers may be: anyone outside the PM's team, except the PM and
    their leader, by team and name."""
    return (
        Person.objects.exclude(team_id=review.team_id)
        .exclude(pk__in=[review.person_id, review.leader_id])
        .select_related("team")
        .order_by("team__name", "name")
    )


def peer_request_list(*, review: Review) -> QuerySet[PeerRequest]:
    """The review's peer requests with each peer's team, by name."""
    return review.peer_requests.select_related("peer__team").order_by("peer__name")


@dataclass(frozen=True)
class PeerAggregate:
    """Anonymous peer input for one competency: shown only with enough responses."""

    responses: int
    mean: Decimal | None  # None when fewer than the minimum (then not shown)
    is_shown: bool


def peer_aggregates(*, review: Review) -> dict[int, PeerAggregate]:
    """Per competency, the number of submitted peer answers and, with at least the cycle's
    minimum, their mean. Never who said what, and nothing (an empty dict) until the peer
    window closed (`permissions.is_peer_window_closed` says why): a mean and a count read
    before and after one more answer would tell that answer."""
    if not permissions.is_peer_window_closed(review.cycle):
        return {}
    minimum = review.cycle.scoring_card.min_peer_responses
    values: dict[int, list[int]] = {}
    for competency_id, value in Rating.objects.filter(
        assessment__review=review,
        assessment__role=AssessmentRole.PEER,
        assessment__submitted_at__isnull=False,
        value__isnull=False,
    ).values_list("competency_id", "value"):
        values.setdefault(competency_id, []).append(value)
    aggregates = {}
    for competency_id, numbers in values.items():
        shown = len(numbers) >= minimum
        mean = (
            (Decimal(sum(numbers)) / len(numbers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if shown
            else None
        )
        aggregates[competency_id] = PeerAggregate(responses=len(numbers), mean=mean, is_shown=shown)
    return aggregates


@dataclass(frozen=True)
class WrittenFeedback:
    """What people wrote about a PM, as the PM (after publication) and the leader read it.

    Peers' comments come without names, sorted by their text (not the order peers were
    asked in), and only once at least the cycle's minimum number of peers submitted: the
    same rule as peer ratings, so a comment never points to the one or two who answered;
    and, like peer ratings, only once the peer window closed (`is_peer_window_closed`), so a
    new comment never points to the peer whose status just turned to Submitted."""

    leader: Assessment | None  # the leader's submitted assessment
    peer_comments: list[str]
    are_peer_comments_shown: bool
    is_peer_window_open: bool = False  # withheld until the peer window closes
    peer_deadline: datetime | None = None  # when it closes, if before the review phase ends


def written_feedback(*, review: Review) -> WrittenFeedback:
    """The leader's submitted assessment and the peers' submitted comments (two queries; one
    while the peer window is open)."""
    leader = Assessment.objects.filter(
        review=review, role=AssessmentRole.LEADER, submitted_at__isnull=False
    ).first()
    if not permissions.is_peer_window_closed(review.cycle):
        return WrittenFeedback(
            leader=leader,
            peer_comments=[],
            are_peer_comments_shown=False,
            is_peer_window_open=True,
            peer_deadline=review.cycle.peer_deadline,
        )
    comments = list(
        Assessment.objects.filter(
            review=review, role=AssessmentRole.PEER, submitted_at__isnull=False
        ).values_list("comment", flat=True)
    )
    is_shown = len(comments) >= review.cycle.scoring_card.min_peer_responses
    shown = sorted((text.strip() for text in comments if text.strip()), key=str.casefold)
    return WrittenFeedback(
        leader=leader, peer_comments=shown if is_shown else [], are_peer_comments_shown=is_shown
    )

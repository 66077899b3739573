"""Peers: the PM nominates cross-team colleagues, the leader (or HR) approves them, a peer
may decline. Each change is audited with the peers before and after (the audit trail is
HR's; the PM and the leader never see who answered)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_record, change
from reviews.models import AuditAction, Cycle, PeerRequest, PeerRequestStatus, Phase, Review

from .common import (
    EditConflict,
    ReviewError,
    email_on_commit,
    is_peer_window_open,
    within_deadline,
)

MIN_PEERS, MAX_PEERS = 3, 8


def _peer_ids(review: Review, *statuses: str) -> list[int]:
    return sorted(
        review.peer_requests.filter(status__in=statuses).values_list("peer_id", flat=True)
    )


def _peer_problems(review: Review, peers: list[Person]) -> list[str]:
    problems = []
    for peer in peers:
        if peer.pk == review.person_id:
            problems.append(_("%(name)s: you cannot nominate yourself.") % {"name": peer})
        elif peer.pk == review.leader_id:
            problems.append(_("%(name)s is your leader, who reviews you anyway.") % {"name": peer})
        elif peer.team_id == review.team_id:
            problems.append(
                _("%(name)s is in your own team; nominate colleagues from other teams.")
                % {"name": peer}
            )
    return problems


@transaction.atomic
def peer_nominations_set(*, review: Review, actor: Person, peers: list[Person]) -> None:
    """The PM nominates 3 to 8 cross-team colleagues (replacing earlier, unapproved picks)."""
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if actor.pk != review.person_id:
        raise ReviewError(_("Only the PM nominates their peers."))
    if not within_deadline(review.cycle, Phase.SELF_ASSESSMENT):
        raise ReviewError(_("Nominations are accepted only during the self-assessment phase."))
    peers = list({peer.pk: peer for peer in peers}.values())
    kept = review.peer_requests.exclude(status=PeerRequestStatus.NOMINATED).exclude(
        status=PeerRequestStatus.DECLINED
    )
    total = len({peer.pk for peer in peers} | set(kept.values_list("peer_id", flat=True)))
    problems = _peer_problems(review, peers)
    if not MIN_PEERS <= total <= MAX_PEERS:
        problems.append(
            _("Nominate between %(min)s and %(max)s peers (you chose %(count)s).")
            % {"min": MIN_PEERS, "max": MAX_PEERS, "count": total}
        )
    if problems:
        raise ReviewError(problems)
    before = _peer_ids(review, PeerRequestStatus.NOMINATED)
    review.peer_requests.filter(status=PeerRequestStatus.NOMINATED).exclude(
        peer_id__in=[peer.pk for peer in peers]
    ).delete()
    already = set(review.peer_requests.values_list("peer_id", flat=True))
    PeerRequest.objects.bulk_create(
        PeerRequest(review=review, peer=peer, nominated_by=actor)
        for peer in peers
        if peer.pk not in already
    )
    after = _peer_ids(review, PeerRequestStatus.NOMINATED)
    if before != after:
        audit_record(
            cycle=review.cycle,
            review=review,
            action=AuditAction.PEERS_NOMINATED,
            actor=actor,
            changes=[change("peerrequest.peers", before, after)],
        )


@transaction.atomic
def peer_requests_approve(
    *,
    review: Review,
    actor: Person,
    is_hr: bool,
    add: list[Person] = (),
    remove: list[int] = (),
    read_nominations: list[int] | None = None,
) -> None:
    """The leader (or HR) approves the nominations, after removing or adding peers; each
    approved peer is asked by e-mail. `read_nominations`, the nominations the page showed:
    when the PM has changed them since, nothing is approved (EditConflict)."""
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    nominated = sorted(
        review.peer_requests.filter(status=PeerRequestStatus.NOMINATED).values_list("pk", flat=True)
    )
    if read_nominations is not None and nominated != sorted(read_nominations):
        raise EditConflict(
            _(
                "The PM changed their nominations after you opened this page: nothing was "
                "approved. Check the list below and approve it again."
            )
        )
    if not (is_hr or review.leader_id == actor.pk):
        raise ReviewError(_("Only the PM's leader or HR approves peers."))
    if review.cycle.phase not in (Phase.SELF_ASSESSMENT, Phase.REVIEW):
        raise ReviewError(
            _("Peers can be approved only while the cycle is in self-assessment or review.")
        )
    if review.cycle.phase == Phase.REVIEW and not is_peer_window_open(review.cycle):
        # A peer asked now could not answer: the peer feedback deadline has passed.
        raise ReviewError(
            _("The peer feedback deadline has passed: no more peers can be asked to answer.")
        )
    problems = _peer_problems(review, list(add))
    remaining = review.peer_requests.exclude(pk__in=list(remove)).exclude(
        status=PeerRequestStatus.DECLINED
    )
    total = len(set(remaining.values_list("peer_id", flat=True)) | {peer.pk for peer in add})
    if not MIN_PEERS <= total <= MAX_PEERS:
        problems.append(
            _("A PM needs between %(min)s and %(max)s peers (this would leave %(count)s).")
            % {"min": MIN_PEERS, "max": MAX_PEERS, "count": total}
        )
    if problems:
        raise ReviewError(problems)
    asked = (PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED)
    before = _peer_ids(review, *asked)
    review.peer_requests.filter(pk__in=list(remove), status=PeerRequestStatus.NOMINATED).delete()
    already = set(review.peer_requests.values_list("peer_id", flat=True))
    PeerRequest.objects.bulk_create(
        PeerRequest(review=review, peer=peer, nominated_by=actor)
        for peer in add
        if peer.pk not in already
    )
    newly = list(review.peer_requests.filter(status=PeerRequestStatus.NOMINATED))
    for request in newly:
        request.status = PeerRequestStatus.APPROVED
        request.approved_by = actor
        request.save(update_fields=["status", "approved_by"])
    after = _peer_ids(review, *asked)
    if before != after:
        audit_record(
            cycle=review.cycle,
            review=review,
            action=AuditAction.PEERS_APPROVED,
            actor=actor,
            changes=[change("peerrequest.peers", before, after)],
        )
    _notify_asked(review.cycle, [request.peer_id for request in newly])


def _notify_asked(cycle: Cycle, peer_ids: list[int]) -> None:
    """Tell newly asked peers whether they can answer now or from when (peers answer
    in the review phase); `notify_peers_can_answer` writes again when it opens."""
    if cycle.phase == Phase.REVIEW:
        notify_peers_can_answer(cycle, peer_ids)
        return
    email_on_commit(
        peer_ids,
        _("Your feedback is requested: %(cycle)s") % {"cycle": cycle.name},
        _(
            "A colleague asked for your feedback in the review cycle “%(cycle)s”. You can "
            "answer once its review phase opens, after %(opens)s; we will e-mail you then. "
            "Your ratings are anonymous: the PM and their leader see only aggregates."
        )
        % {"cycle": cycle.name, "opens": _local(cycle.self_assessment_deadline)},
    )


def notify_peers_can_answer(cycle: Cycle, peer_ids: list[int]) -> None:
    """E-mail peers that the requests addressed to them can be answered now, and until when."""
    email_on_commit(
        sorted(set(peer_ids)),
        _("You can give your feedback now: %(cycle)s") % {"cycle": cycle.name},
        _(
            "Colleagues asked for your feedback in the review cycle “%(cycle)s”, and you can "
            "answer now, until %(deadline)s. Your ratings are anonymous: the PM and their "
            "leader see only aggregates. Open “My tasks” to answer."
        )
        % {"cycle": cycle.name, "deadline": _local(cycle.peer_answers_deadline)},
    )


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def peer_request_decline(*, request: PeerRequest, actor: Person, reason: str) -> None:
    request = PeerRequest.objects.select_for_update().select_related("review").get(pk=request.pk)
    if request.peer_id != actor.pk:
        raise ReviewError(_("Only the person asked can decline."))
    if request.status != PeerRequestStatus.APPROVED:
        raise ReviewError(_("This request cannot be declined any more."))
    if not reason.strip():
        raise ReviewError(_("Give a reason for declining."))
    request.status = PeerRequestStatus.DECLINED
    request.decline_reason = reason.strip()
    request.save(update_fields=["status", "decline_reason"])
    audit_record(
        cycle=request.review.cycle_id,
        review=request.review,
        action=AuditAction.PEER_REQUEST_CHANGED,
        actor=actor,
        subject={"person": request.peer_id},
        changes=[
            change("peerrequest.status", PeerRequestStatus.APPROVED, PeerRequestStatus.DECLINED)
        ],
        reason=request.decline_reason,
    )

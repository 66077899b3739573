"""HR's home page: every cycle not closed, its phase, deadline, what blocks the next phase
and how far each step has come. Three queries whatever the number of cycles and PMs: the
cycles, their reviews counted by cycle, their peer requests counted by cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews import obligations
from reviews.models import AssessmentRole, Cycle, PeerRequest, PeerRequestStatus, Phase, Review

# Peer requests sent to a peer (a nomination not yet approved is not), and those answered
# (a decline is an answer: nothing more is owed).
PEER_ASKED = Q(
    status__in=[PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED, PeerRequestStatus.DECLINED]
)
PEER_ANSWERED = Q(status__in=[PeerRequestStatus.SUBMITTED, PeerRequestStatus.DECLINED])


@dataclass(frozen=True)
class Step:
    """One step's progress: `done` of `total`."""

    label: str
    done: int
    total: int
    deadline: datetime | None = None  # when the step has its own (the peer feedback deadline)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_complete(self) -> bool:
        return self.done >= self.total


@dataclass
class CycleSummary:
    cycle: Cycle
    participants: int
    deadline: datetime | None
    is_overdue: bool
    blockers: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


def _review_counts(cycle_ids: list[int]) -> dict[int, dict]:
    """Per cycle: participants, submitted self and leader assessments, results,
    acknowledgements, and what obligations says is still owed."""
    rows = (
        Review.objects.filter(cycle_id__in=cycle_ids)
        .values("cycle_id")
        .annotate(
            participants=Count("pk"),
            self_owed=Count("pk", filter=obligations.owes_self_assessment()),
            self_submitted=Count("pk", filter=Q(obligations.has_submitted(AssessmentRole.SELF))),
            leader_submitted=Count(
                "pk", filter=Q(obligations.has_submitted(AssessmentRole.LEADER))
            ),
            leaders_owing=Count(
                "leader_id", distinct=True, filter=obligations.owes_leader_assessment()
            ),
            results_missing=Count("pk", filter=obligations.lacks_result()),
            acknowledgements_owed=Count("pk", filter=obligations.owes_acknowledgement()),
            acknowledged=Count("acknowledgement"),
        )
        .order_by()
    )
    return {row["cycle_id"]: row for row in rows}


def _peer_counts(cycle_ids: list[int]) -> dict[int, dict]:
    rows = (
        PeerRequest.objects.filter(review__cycle_id__in=cycle_ids)
        .values("review__cycle_id")
        .annotate(
            asked=Count("pk", filter=PEER_ASKED),
            answered=Count("pk", filter=PEER_ANSWERED),
            answers_owed=Count("pk", filter=obligations.PEER_ANSWER_OWED),
            nominations=Count("pk", filter=obligations.NOMINATION_WAITING),
        )
        .order_by()
    )
    return {row["review__cycle_id"]: row for row in rows}


def hr_dashboard() -> list[CycleSummary]:
    """Every cycle that is not closed, soonest phase deadline first (drafts last), with
    what blocks its next phase (`obligations.phase_blockers`, counted for all cycles at
    once) and each step's progress."""
    cycles = list(Cycle.objects.exclude(phase=Phase.CLOSED).order_by("self_assessment_deadline"))
    if not cycles:
        return []
    ids = [cycle.pk for cycle in cycles]
    reviews = _review_counts(ids)
    peers = _peer_counts(ids)
    now = timezone.now()
    summaries = []
    for cycle in cycles:
        counts = reviews.get(cycle.pk, {})
        peer = peers.get(cycle.pk, {})
        total = counts.get("participants", 0)
        owed = obligations.Owed(
            self_assessments=counts.get("self_owed", 0),
            nominations=peer.get("nominations", 0),
            leaders=counts.get("leaders_owing", 0),
            peer_answers=peer.get("answers_owed", 0),
            results=counts.get("results_missing", 0),
            acknowledgements=counts.get("acknowledgements_owed", 0),
        )
        deadline = cycle.deadline_for(cycle.phase)
        summary = CycleSummary(
            cycle=cycle,
            participants=total,
            deadline=deadline,
            is_overdue=deadline is not None and deadline < now,
            blockers=obligations.phase_blockers(cycle.phase, owed),
        )
        if cycle.phase != Phase.DRAFT:
            summary.steps = [
                Step(_("Self-assessments submitted"), counts.get("self_submitted", 0), total),
                Step(_("Leader reviews submitted"), counts.get("leader_submitted", 0), total),
                Step(
                    _("Peer requests answered"),
                    peer.get("answered", 0),
                    peer.get("asked", 0),
                    deadline=cycle.peer_deadline if cycle.phase == Phase.REVIEW else None,
                ),
                Step(_("Results computed"), total - counts.get("results_missing", 0), total),
                Step(_("Results acknowledged"), counts.get("acknowledged", 0), total),
            ]
        summaries.append(summary)
    summaries.sort(key=lambda summary: (summary.deadline is None, summary.deadline or now))
    return summaries

"""Who still owes what in a cycle: the one statement of each rule.

The phase blockers HR reads (`services.cycle_blockers` on the cycle page, `selectors.
hr_dashboard` on HR's home page), the deadline reminders (`notifications`) and each
person's tasks (`selectors.person_tasks`) all ask these, so they cannot disagree. Each rule
is a filter on a queryset, so a caller narrows it to a cycle, a person or a leader and it
stays one set-based statement. Which of them block which phase, and how a blocker reads,
is `BLOCKING` and `phase_blockers`: a caller counts (one cycle, or all at once) and asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    Acknowledgement,
    Assessment,
    AssessmentRole,
    Cycle,
    CycleKpi,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    Result,
    Review,
)


def has_submitted(role: str) -> Exists:
    """On a Review queryset: whether its assessment of this role is submitted."""
    return Exists(
        Assessment.objects.filter(review=OuterRef("pk"), role=role, submitted_at__isnull=False)
    )


def owes_self_assessment() -> Q:
    """On a Review queryset: the PM has not submitted their self-assessment (a draft owes)."""
    return ~Q(has_submitted(AssessmentRole.SELF))


# A development plan (growth) is not owed: a leader whose review has no plan yet gets no
# task, no reminder and no phase blocker for it (the plan helps, it does not gate the
# cycle); the link to the plan on the leader's review says whether one exists.
def owes_leader_assessment() -> Q:
    """On a Review queryset: the leader has not submitted their assessment."""
    return ~Q(has_submitted(AssessmentRole.LEADER))


def owes_acknowledgement() -> Q:
    """On a Review queryset: a result is there and the PM has not acknowledged it."""
    return Q(Exists(Result.objects.filter(review=OuterRef("pk")))) & ~Q(
        Exists(Acknowledgement.objects.filter(review=OuterRef("pk")))
    )


def lacks_result() -> Q:
    """On a Review queryset: no computed result yet."""
    return ~Q(Exists(Result.objects.filter(review=OuterRef("pk"))))


# On a PeerRequest queryset: an approved request the peer has not answered yet, and a
# nomination the leader (or HR) has not approved yet.
PEER_ANSWER_OWED = Q(status=PeerRequestStatus.APPROVED)
NOMINATION_WAITING = Q(status=PeerRequestStatus.NOMINATED)


# On a KpiActual queryset: the leader confirmed the reported value (the verified value is
# set to it), corrected it (set to another) or excused the KPI (with a reason).
ACTUAL_VERIFIED = Q(verified_value__isnull=False) | ~Q(excused_reason="")


def verification_of(actual: KpiActual | None) -> str:
    """What the leader did with an actual, as `ACTUAL_VERIFIED` reads it: "excused",
    "corrected" (the verified value differs from the reported one), "confirmed", or ""
    (not verified yet, or never reported)."""
    if actual is None:
        return ""
    if actual.excused_reason:
        return "excused"
    if actual.verified_value is None:
        return ""
    return "confirmed" if actual.verified_value == actual.reported_value else "corrected"


def unverified_kpis(review: Review) -> QuerySet[CycleKpi]:
    """The review's KPIs whose actual the leader has not verified yet (reported or not):
    submitting the leader's review with any of them asks for confirmation first."""
    verified = KpiActual.objects.filter(review=review).filter(ACTUAL_VERIFIED)
    return (
        CycleKpi.objects.filter(cycle_id=review.cycle_id)
        .exclude(pk__in=verified.values("item_id"))
        .select_related("kpi")
    )


def self_assessments_owed(cycle: Cycle) -> QuerySet[Review]:
    return Review.objects.filter(cycle=cycle).filter(owes_self_assessment())


def leader_assessments_owed(cycle: Cycle) -> QuerySet[Review]:
    return Review.objects.filter(cycle=cycle).filter(owes_leader_assessment())


def peer_answers_owed(cycle: Cycle) -> QuerySet[PeerRequest]:
    return PeerRequest.objects.filter(review__cycle=cycle).filter(PEER_ANSWER_OWED)


def nominations_waiting(cycle: Cycle) -> QuerySet[PeerRequest]:
    return PeerRequest.objects.filter(review__cycle=cycle).filter(NOMINATION_WAITING)


def results_missing(cycle: Cycle) -> QuerySet[Review]:
    return Review.objects.filter(cycle=cycle).filter(lacks_result())


def acknowledgements_owed(cycle: Cycle) -> QuerySet[Review]:
    return Review.objects.filter(cycle=cycle).filter(owes_acknowledgement())


def owing_people(cycle: Cycle) -> set[int]:
    """Ids of the people who still owe a submission in the cycle's current phase: the PMs
    in self-assessment; the leaders and the asked peers in review."""
    if cycle.phase == Phase.SELF_ASSESSMENT:
        return set(self_assessments_owed(cycle).values_list("person_id", flat=True))
    if cycle.phase == Phase.REVIEW:
        leaders = set(leader_assessments_owed(cycle).values_list("leader_id", flat=True))
        peers = set(peer_answers_owed(cycle).values_list("peer_id", flat=True))
        return leaders | peers
    return set()


# What must be done before a cycle leaves each phase (a draft opens, a closed cycle stays).
BLOCKING = {
    Phase.SELF_ASSESSMENT: ("self_assessments", "nominations"),
    Phase.REVIEW: ("leaders", "peer_answers"),
    Phase.CALIBRATION: ("results",),
    Phase.PUBLISHED: ("acknowledgements",),
}


@dataclass
class Owed:
    """What is still owed in a cycle, counted by kind: PMs without a submitted
    self-assessment, nominations waiting, leaders who have not submitted, approved peer
    requests unanswered, PMs without a result, results not acknowledged. `names` holds, by
    kind, who owes it, where the reader is shown names (the cycle page)."""

    self_assessments: int = 0
    nominations: int = 0
    leaders: int = 0
    peer_answers: int = 0
    results: int = 0
    acknowledgements: int = 0
    names: dict[str, str] = field(default_factory=dict)


def _blocker_line(kind: str, count: int) -> str:
    if kind == "self_assessments":
        return ngettext(
            "%(count)s PM has not submitted a self-assessment",
            "%(count)s PMs have not submitted their self-assessment",
            count,
        ) % {"count": count}
    if kind == "nominations":
        return ngettext(
            "%(count)s peer nomination is waiting for approval",
            "%(count)s peer nominations are waiting for approval",
            count,
        ) % {"count": count}
    if kind == "leaders":
        return ngettext(
            "%(count)s leader has not submitted",
            "%(count)s leaders have not submitted",
            count,
        ) % {"count": count}
    if kind == "peer_answers":
        return ngettext(
            "%(count)s peer request is still unanswered",
            "%(count)s peer requests are still unanswered",
            count,
        ) % {"count": count}
    if kind == "results":
        return ngettext(
            "%(count)s PM has no computed result: compute the results first",
            "%(count)s PMs have no computed result: compute the results first",
            count,
        ) % {"count": count}
    return ngettext(
        "%(count)s PM has not acknowledged",
        "%(count)s PMs have not acknowledged their result",
        count,
    ) % {"count": count}


def phase_blockers(phase: str, owed: Owed) -> list[str]:
    """What blocks moving a cycle in `phase` on, one line per kind still owed (with who,
    where `owed` names them). HR may move on anyway only by confirming the override."""
    lines = []
    for kind in BLOCKING.get(phase, ()):
        count = getattr(owed, kind)
        if not count:
            continue
        line = _blocker_line(kind, count)
        if owed.names.get(kind):
            line = _("%(blocker)s: %(names)s") % {"blocker": line, "names": owed.names[kind]}
        lines.append(line)
    return lines

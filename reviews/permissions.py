"""May this user do X to this review object? Object-level answers for the review cycle.

Role-level questions (is HR, is admin, is a leader) live in `appraisal.permissions`, which
this module builds on; views and templates ask these two modules and nowhere else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from appraisal.permissions import user_roles
from reviews.models import Assessment, Cycle, PeerRequestStatus, Phase, Review
from reviews.services import assessment_closed_reason, is_peer_window_open


def _person_id(user) -> int | None:
    person = getattr(user, "person", None) if user.is_authenticated else None
    return person.pk if person else None


def can_manage_cycles(user) -> bool:
    return user_roles(user).is_hr


def check_can_manage_cycles(user) -> None:
    """Refuse (403) anyone but HR: cycles, their actions and their results are HR's."""
    if not can_manage_cycles(user):
        raise PermissionDenied(_("Only HR manages review cycles."))


def can_compute(user, cycle: Cycle) -> bool:
    """HR computes results from the review phase on."""
    return can_manage_cycles(user) and cycle.phase not in (Phase.DRAFT, Phase.SELF_ASSESSMENT)


def is_calibrating(cycle: Cycle) -> bool:
    """Grades can be calibrated (the results table shows its forms)."""
    return cycle.phase == Phase.CALIBRATION


def can_remove_participants(cycle: Cycle) -> bool:
    """Participants leave a cycle only while it is a draft (its table shows the buttons)."""
    return cycle.phase == Phase.DRAFT


def visible_reviews_filter(user) -> Q:
    """Reviews the user may open: HR all; a leader their reports'; a PM their own."""
    if user_roles(user).is_hr:
        return Q()
    person_id = _person_id(user)
    if person_id is None:
        return Q(pk__in=[])
    return Q(person_id=person_id) | Q(leader_id=person_id)


def is_reviewed_person(user, review: Review) -> bool:
    return _person_id(user) == review.person_id


def is_reviewing_leader(user, review: Review) -> bool:
    return _person_id(user) == review.leader_id


def can_approve_peers(user, review: Review) -> bool:
    return is_reviewing_leader(user, review) or user_roles(user).is_hr


def _is_started(review: Review) -> bool:
    """A draft cycle's reviews are HR's preparation: nobody opens them yet."""
    return review.cycle.phase != Phase.DRAFT


def can_self_assess(user, review: Review) -> bool:
    """The PM opens their own self-assessment once the cycle is open."""
    return is_reviewed_person(user, review) and _is_started(review)


def can_lead_review(user, review: Review) -> bool:
    """The PM's leader opens the review once the cycle is open."""
    return is_reviewing_leader(user, review) and _is_started(review)


def can_view_peers(user, review: Review) -> bool:
    """The PM, their leader and HR see the review's peer list once the cycle is open."""
    return (is_reviewed_person(user, review) or can_approve_peers(user, review)) and _is_started(
        review
    )


def can_nominate_peers(user, review: Review) -> bool:
    """Only the PM nominates their peers (the service judges the phase and the deadline)."""
    return is_reviewed_person(user, review) and _is_started(review)


# Phases after the review phase: peers' answers are final whatever the peer deadline.
PEER_WINDOW_CLOSED_PHASES = (Phase.CALIBRATION, Phase.PUBLISHED, Phase.CLOSED)


def is_peer_window_closed(cycle: Cycle) -> bool:
    """Peers' answers are final: the cycle has left the review phase, or it is in the review
    phase and its peer feedback deadline (`Cycle.peer_deadline`, optional) has passed. From
    then on no peer answer is added, changed or withdrawn. This is THE rule for everything
    derived from peers' answers.

    Why this rule: an aggregate shown while answers still arrive can be differenced. A leader
    who reads "mean 3.00 (3 answers)" before and "mean 3.25 (4 answers)" after one peer's
    status turns to Submitted knows that peer rated 4, whatever the minimum number of
    answers. Hiding statuses is not enough (the count and the mean move on their own), and a
    rule like "once every approved peer answered" can be reset by the leader (approve one
    more peer later, or HR reopens one) and differenced again. A boundary after which nothing
    can change cannot be: whoever reads the aggregates reads them once, final.

    Why the peer deadline is such a boundary: once it has passed, a peer's save or submit is
    refused (`assessment_deadline` of a peer's assessment is the peer deadline, and HR's
    reopening date counts only while the window is open), HR cannot reopen a peer
    (`is_reopenable`), no more peers are approved, and the peer deadline cannot be moved
    once passed in the review phase (`cycle_extend_deadline`; extending the review deadline
    never moves it; the review phase does not open with a passed one). So with a peer
    deadline the leader rates with peers' final views for the rest of the review phase;
    without one, peers answer until the review deadline and the leader reads their views
    from calibration on (HR may reopen the leader's review then)."""
    if cycle.phase in PEER_WINDOW_CLOSED_PHASES:
        return True
    return cycle.phase == Phase.REVIEW and not is_peer_window_open(cycle)


def can_see_peer_answers(user, cycle: Cycle) -> bool:
    """Who answered a peer request (statuses, "answered" counts): HR at any time (HR chases
    peers who have not answered); the PM and the leader only once the peer window closed,
    so that a status turning to Submitted never tells them whose answer just arrived."""
    return user_roles(user).is_hr or is_peer_window_closed(cycle)


def can_edit_assessment(assessment: Assessment, cycle: Cycle) -> bool:
    """The assessment's page offers its fields and buttons: not submitted, and before its
    deadline (its phase's, or HR's when HR reopened it)."""
    return assessment_closed_reason(assessment, cycle) is None


def peer_requests_filter(user) -> Q:
    """Peer requests the user may answer: those addressed to them and approved."""
    person_id = _person_id(user)
    if person_id is None:
        return Q(pk__in=[])
    return Q(
        peer_id=person_id, status__in=[PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED]
    )


RESULTS_VISIBLE_PHASES = ("published", "closed")


def are_results_published(cycle: Cycle) -> bool:
    """Leaders and PMs see a cycle's results (a team's ranking too) once published."""
    return cycle.phase in RESULTS_VISIBLE_PHASES


def can_view_result(user, review: Review) -> bool:
    """HR sees every result once computed; the PM and their leader only once published.
    Before publication a PM sees no score at all."""
    if user_roles(user).is_hr:
        return True
    if review.cycle.phase not in RESULTS_VISIBLE_PHASES:
        return False
    return is_reviewed_person(user, review) or is_reviewing_leader(user, review)


def can_see_calibration_reason(user, review: Review) -> bool:
    """HR's reason for a calibrated grade is for HR and the leader; the PM sees that their
    grade was calibrated, from what to what."""
    return user_roles(user).is_hr or is_reviewing_leader(user, review)


def can_see_cycle_rank(user) -> bool:
    """The cycle ranking is HR's (SCORING.md section 5)."""
    return user_roles(user).is_hr


def can_see_team_rank(user, review: Review) -> bool:
    """HR and the leader see the rank in the team; the PM only where the cycle shows it."""
    if user_roles(user).is_hr or is_reviewing_leader(user, review):
        return True
    return review.cycle.is_team_rank_shown_to_pms and is_reviewed_person(user, review)


def can_acknowledge(user, review: Review) -> bool:
    """The PM acknowledges their result once it is published."""
    return is_reviewed_person(user, review) and review.cycle.phase == Phase.PUBLISHED

"""What every review service shares: the refusals it raises, e-mail after commit, and the
checks several services make."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.tasks import email_people
from reviews.models import Assessment, AssessmentRole, Cycle, Phase


class ReviewError(Exception):
    """A refused action; `problems` says, one line each, what blocks it."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class PhaseBlocked(ReviewError):  # noqa: N818 - a blocked move, not an error of the caller
    """The next phase is blocked; HR may move on anyway only with explicit confirmation."""


class EditConflict(ReviewError):  # noqa: N818 - a lost-update guard, named for what happened
    """Someone saved the record after this editor loaded it: nothing was overwritten."""


def review_conflict() -> EditConflict:
    """The refusal of a save from a leader's review page read before someone else saved."""
    return EditConflict(
        _(
            "Someone saved this review after you opened it, perhaps in another tab or window. "
            "Nothing was saved: reload the page to see what they saved, then make your "
            "changes again."
        )
    )


def names_listed(people, limit: int = 10) -> str:
    names = sorted(str(person) for person in people)
    shown = ", ".join(names[:limit])
    return shown + (
        _(" and %(count)s more") % {"count": len(names) - limit} if len(names) > limit else ""
    )


def email_on_commit(person_ids: list[int], subject: str, body: str) -> None:
    if person_ids:
        transaction.on_commit(
            lambda: email_people.delay(person_ids=list(person_ids), subject=subject, body=body)
        )


def within_deadline(cycle: Cycle, phase: str) -> bool:
    deadline = cycle.deadline_for(phase)
    return cycle.phase == phase and deadline is not None and timezone.now() <= deadline


PHASE_OF_ROLE = {
    AssessmentRole.SELF: Phase.SELF_ASSESSMENT,
    AssessmentRole.LEADER: Phase.REVIEW,
    AssessmentRole.PEER: Phase.REVIEW,
}

# Once results are shown, a reopened assessment can no longer change them.
RESULTS_SHOWN = (Phase.PUBLISHED, Phase.CLOSED)


def is_peer_window_open(cycle: Cycle) -> bool:
    """Peers may still answer: the cycle is in the review phase, before the peer feedback
    deadline when there is one (`permissions.is_peer_window_closed` is its negation, and
    says why it matters)."""
    if cycle.phase != Phase.REVIEW:
        return False
    return cycle.peer_deadline is None or timezone.now() <= cycle.peer_deadline


def is_reopenable(assessment: Assessment, cycle: Cycle) -> bool:
    """Whether HR's reopening can still let the assessment change: not once results are
    shown; and a peer's only while the peer window is open (the review phase, before the
    peer feedback deadline if any): afterwards peers' answers are final and their aggregates
    are shown to the leader (`permissions.is_peer_window_closed`: a peer answer changed then
    could be told apart by comparing the aggregates before and after)."""
    if assessment.role == AssessmentRole.PEER:
        return is_peer_window_open(cycle)
    return cycle.phase not in RESULTS_SHOWN


def phase_deadline_of(assessment: Assessment, cycle: Cycle) -> datetime | None:
    """The deadline of the phase the assessment belongs to; for a peer's, the peer feedback
    deadline when the cycle has one (peers answer until then, not until the review
    deadline)."""
    if assessment.role == AssessmentRole.PEER:
        return cycle.peer_answers_deadline
    return cycle.deadline_for(PHASE_OF_ROLE[assessment.role])


def assessment_deadline(assessment: Assessment, cycle: Cycle) -> datetime | None:
    """Until when the assessment's owner may change it: its phase's deadline while the cycle
    is in that phase (a peer's: the peer feedback deadline if any), or HR's deadline when HR
    reopened it, whichever is later; None when neither applies. A peer's never outlasts the
    peer window: HR's deadline counts only while `is_reopenable`."""
    phase = PHASE_OF_ROLE[assessment.role]
    deadlines = []
    if cycle.phase == phase:
        deadlines.append(phase_deadline_of(assessment, cycle))
    if assessment.open_until is not None and is_reopenable(assessment, cycle):
        deadlines.append(assessment.open_until)
    return max(deadlines, default=None)


def assessment_closed_reason(assessment: Assessment, cycle: Cycle) -> str | None:
    """Why the owner cannot change the assessment now, in words; None when they can."""
    if assessment.is_submitted:
        return _("This assessment was submitted and is locked. Ask HR to reopen it.")
    deadline = assessment_deadline(assessment, cycle)
    if deadline is None:
        phase = PHASE_OF_ROLE[assessment.role]
        return _(
            "This cycle is in its %(current)s phase: %(role)s assessments are accepted "
            "only during %(phase)s."
        ) % {
            "current": cycle.get_phase_display().lower(),
            "role": AssessmentRole(assessment.role).label.lower(),
            "phase": Phase(phase).label.lower(),
        }
    if timezone.now() > deadline:
        return _("The deadline (%(deadline)s) has passed. Ask HR to extend it.") % {
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
        }
    return None

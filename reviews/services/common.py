"""What every review service shares: the refusals it raises, e-mail after commit, and the
checks several services make."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from appraisal.tasks import email_people
from reviews.models import AssessmentRole, Cycle, Phase, Review


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


def check_leader_can_edit(review: Review, actor: Person) -> None:
    if review.leader_id != actor.pk:
        raise ReviewError(_("Only the PM's leader in this cycle can do that."))
    leader_assessment = review.assessments.filter(role=AssessmentRole.LEADER).first()
    if leader_assessment and leader_assessment.is_submitted:
        raise ReviewError(_("Your review was submitted and is locked. Ask HR to reopen it."))
    if not within_deadline(review.cycle, Phase.REVIEW):
        raise ReviewError(_("The review phase is not open, or its deadline has passed."))

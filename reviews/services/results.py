"""Results: HR calibrates a grade, the PM acknowledges the published result. Each change
is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_record, change, changes_of
from reviews.models import Acknowledgement, AuditAction, Calibration, Cycle, Phase, Result, Review

from .common import EditConflict, ReviewError


def cycle_grades(cycle: Cycle) -> list[str]:
    """The cycle's grades, best first."""
    return cycle.grades


@transaction.atomic
def result_calibrate(
    *, review: Review, actor: Person, grade: str, reason: str, read_grade: str | None = None
) -> None:
    """HR overrides a PM's grade with a reason (or, choosing the computed grade again,
    removes the override). Only during calibration; recorded in the audit trail.
    `read_grade` is the grade the page showed: when someone calibrated since, nothing is
    overwritten (EditConflict)."""
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if review.cycle.phase != Phase.CALIBRATION:
        raise ReviewError(_("Grades can be calibrated only during the calibration phase."))
    result = Result.objects.filter(review=review).first()
    if result is None:
        raise ReviewError(_("Compute the results before calibrating."))
    if grade not in cycle_grades(review.cycle):
        raise ReviewError(_("“%(grade)s” is not a grade of this cycle.") % {"grade": grade})
    calibration = Calibration.objects.filter(review=review).first()
    before = calibration.grade if calibration else result.grade
    before_reason = calibration.reason if calibration else ""
    if read_grade is not None and read_grade != before:
        raise EditConflict(
            _(
                "Someone changed %(name)s's grade to %(grade)s after you opened the page: "
                "nothing was changed. Check it and calibrate again if needed."
            )
            % {"name": review.person.name, "grade": before}
        )
    reason = reason.strip()
    if grade == result.grade:
        Calibration.objects.filter(review=review).delete()
    elif not reason:
        raise ReviewError(_("Give a reason for changing the grade."))
    else:
        Calibration.objects.update_or_create(
            review=review, defaults={"grade": grade, "reason": reason, "calibrated_by": actor}
        )
    after_reason = "" if grade == result.grade else reason
    if (grade, after_reason) != (before, before_reason):
        audit_record(
            cycle=review.cycle,
            review=review,
            action=AuditAction.GRADE_CALIBRATED,
            actor=actor,
            changes=changes_of(
                "calibration",
                {"grade": before, "reason": before_reason},
                {"grade": grade, "reason": after_reason},
            ),
            reason=reason,
        )


@transaction.atomic
def result_acknowledge(*, review: Review, actor: Person, comment: str = "") -> None:
    """The PM has read their published result; they may comment. Once."""
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if actor.pk != review.person_id:
        raise ReviewError(_("Only the PM acknowledges their own result."))
    if review.cycle.phase != Phase.PUBLISHED:
        raise ReviewError(_("Results can be acknowledged only while they are published."))
    if not Result.objects.filter(review=review).exists():
        raise ReviewError(_("There is no result to acknowledge."))
    if Acknowledgement.objects.filter(review=review).exists():
        raise ReviewError(_("You have already acknowledged this result."))
    acknowledgement = Acknowledgement.objects.create(review=review, comment=comment.strip()[:5000])
    audit_record(
        cycle=review.cycle,
        review=review,
        action=AuditAction.RESULT_ACKNOWLEDGED,
        actor=actor,
        changes=[change("acknowledgement.comment", "", acknowledgement.comment)]
        if acknowledgement.comment
        else [],
    )

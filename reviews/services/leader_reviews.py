"""The leader's review of a PM, saved as one: the verified actuals, the adjustment, the
ratings and the written words, in one transaction (all or nothing). Each part carries the
version it was read at, so a second tab's stale page is refused instead of overwriting."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews import obligations
from reviews.audit import audit_entry, audit_record_many, changes_of
from reviews.models import Assessment, AssessmentRole, AuditAction, CycleKpi, Review

from .actuals import Verification, actuals_verify
from .assessments import _check_open_for, assessment_save
from .common import EditConflict, ReviewError, names_listed, review_conflict


@dataclass(frozen=True)
class Adjustment:
    """The leader's adjustment in points, its reason, and the review's version it was
    read at."""

    points: Decimal
    reason: str
    version: int


class UnverifiedActuals(ReviewError):  # noqa: N818 - a question for the leader, not an error
    """A submission with actuals the leader has not verified: they confirm it first."""

    def __init__(self, kpis: list[CycleKpi]):
        self.kpis = kpis
        super().__init__(
            _(
                "You have not confirmed, corrected or excused these actuals: %(names)s. "
                "Their reported values will count as they are."
            )
            % {"names": names_listed([item.kpi for item in kpis])}
        )


@transaction.atomic
def leader_review_save(
    *,
    assessment: Assessment,
    actor: Person,
    version: int,
    ratings: dict[int, int | None],
    texts: dict[str, str] | None = None,
    verifications: dict[int, Verification] | None = None,
    adjustment: Adjustment | None = None,
    submit: bool = False,
    confirm_unverified: bool = False,
) -> Assessment:
    """Save the leader's whole page as a draft, or submit it (which locks it).

    Refused with EditConflict when any part changed since it was read, with ReviewError
    listing every wrong value, and with UnverifiedActuals when submitting while actuals
    are unverified, unless `confirm_unverified`; in each case nothing is written."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    review = Review.objects.select_for_update().select_related("cycle").get(pk=assessment.review_id)
    assessment.review = review
    if (
        assessment.role != AssessmentRole.LEADER
        or assessment.assessor_id != actor.pk
        or review.leader_id != actor.pk
    ):
        raise ReviewError(_("Only the PM's leader in this cycle can do that."))
    _check_open_for(assessment)
    if assessment.version != version or (
        adjustment is not None and adjustment.version != review.version
    ):
        raise review_conflict()

    problems = [] if adjustment is None else _adjustment_problems(review, adjustment)
    try:
        entries = actuals_verify(review=review, actor=actor, verifications=verifications or {})
    except EditConflict:
        raise
    except ReviewError as error:
        raise ReviewError(error.problems + problems) from None
    if problems:
        raise ReviewError(problems)
    if adjustment is not None:
        entries += _adjust(review, actor, adjustment)
    if submit and not confirm_unverified:
        unverified = list(obligations.unverified_kpis(review))
        if unverified:
            raise UnverifiedActuals(unverified)
    audit_record_many(entries)
    return assessment_save(
        assessment=assessment,
        actor=actor,
        version=version,
        ratings=ratings,
        texts=texts,
        submit=submit,
    )


def _adjustment_problems(review: Review, adjustment: Adjustment) -> list[str]:
    bound = review.cycle.scoring_card.max_adjustment
    points = adjustment.points
    if not points.is_finite() or abs(points) > bound:
        return [
            _("The adjustment must be between -%(bound)s and %(bound)s points.") % {"bound": bound}
        ]
    if points and not adjustment.reason.strip():
        return [_("Give a reason for the adjustment.")]
    return []


def _adjust(review: Review, actor: Person, adjustment: Adjustment) -> list:
    """Write the adjustment when it changed; its audit entry, or none."""
    before = {"adjustment": review.adjustment, "adjustment_reason": review.adjustment_reason}
    after = {
        "adjustment": adjustment.points,
        "adjustment_reason": adjustment.reason.strip() if adjustment.points else "",
    }
    if before == after:
        return []
    review.adjustment, review.adjustment_reason = after["adjustment"], after["adjustment_reason"]
    review.version += 1
    review.save(update_fields=["adjustment", "adjustment_reason", "version"])
    return [
        audit_entry(
            cycle=review.cycle_id,
            review=review,
            action=AuditAction.ADJUSTMENT_CHANGED,
            actor=actor,
            changes=changes_of("review", before, after),
            reason=review.adjustment_reason,
        )
    ]

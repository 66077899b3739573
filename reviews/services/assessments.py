"""Assessments: a self, leader or peer assessment saved as a draft, submitted (locked),
reopened by HR. Each change is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from reviews.audit import audit_entry, audit_record_many, change, changes_of
from reviews.models import (
    Assessment,
    AssessmentRole,
    AuditAction,
    Cycle,
    JobTrigger,
    PeerRequest,
    PeerRequestStatus,
    Reopening,
    Review,
)
from reviews.services.computations import compute_request

from .actuals import ActualInput, actual_problems, actuals_report
from .common import (
    PHASE_OF_ROLE,
    RESULTS_SHOWN,
    EditConflict,
    ReviewError,
    assessment_closed_reason,
    assessment_deadline,
    email_on_commit,
    is_reopenable,
    phase_deadline_of,
)

# How long a reopened assessment stays open by default once its phase's deadline is past.
REOPEN_DAYS = 3

TEXT_FIELDS = {
    AssessmentRole.SELF: ("strengths", "gaps", "support_needed"),
    AssessmentRole.LEADER: ("strengths", "gaps", "comment"),
    AssessmentRole.PEER: ("comment",),
}


def _check_open_for(assessment: Assessment) -> None:
    reason = assessment_closed_reason(assessment, assessment.review.cycle)
    if reason:
        raise ReviewError(reason)


def assessment_get_or_create(*, review: Review, assessor: Person, role: str) -> Assessment:
    assessment, _created = Assessment.objects.get_or_create(
        review=review, assessor=assessor, role=role
    )
    return assessment


def _rating_problems(cycle: Cycle, ratings: dict[int, int | None]) -> list[str]:
    lo, hi = cycle.scoring_card.scale.lo, cycle.scoring_card.scale.hi
    names = {
        item.pk: str(item.competency)
        for item in cycle.competency_items.select_related("competency")
    }
    problems = []
    for item_id, value in ratings.items():
        if item_id not in names:
            problems.append(_("Unknown competency."))
        elif value is not None and not (lo <= value <= hi):
            problems.append(
                _("%(item)s: %(value)s is off the scale %(lo)s to %(hi)s.")
                % {"item": names[item_id], "value": value, "lo": lo, "hi": hi}
            )
    return problems


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    actor: Person,
    version: int,
    ratings: dict[int, int | None],
    texts: dict[str, str] | None = None,
    actuals: dict[int, ActualInput] | None = None,
    submit: bool = False,
) -> Assessment:
    """Save a draft (ratings, comments, and for a self-assessment the reported actuals), or
    submit it, which locks it. Refused after the phase's deadline, after submission, or when
    someone saved since `version` was read (nothing is overwritten)."""
    assessment = (
        Assessment.objects.select_for_update().select_related("review__cycle").get(pk=assessment.pk)
    )
    if assessment.assessor_id != actor.pk:
        raise ReviewError(_("Only the assessor can change this assessment."))
    _check_open_for(assessment)
    if assessment.version != version:
        raise EditConflict(
            _(
                "Someone saved this assessment after you opened it. Reload the page to see "
                "the latest version."
            )
        )
    cycle = assessment.review.cycle
    problems = _rating_problems(cycle, ratings)
    if actuals:
        if assessment.role != AssessmentRole.SELF:
            problems.append(_("Only the PM reports actuals."))
        problems += actual_problems(cycle, actuals)
    if problems:
        raise ReviewError(problems)

    review, role = assessment.review, assessment.role
    entries = []
    existing = {rating.competency_id: rating for rating in assessment.ratings.all()}
    for item_id, value in ratings.items():
        rating = existing.get(item_id)
        before = None if rating is None else rating.value
        if rating is None:
            assessment.ratings.create(competency_id=item_id, value=value)
        elif before != value:
            rating.value = value
            rating.save(update_fields=["value"])
        else:
            continue
        entries.append(
            audit_entry(
                cycle=cycle,
                review=review,
                action=AuditAction.RATING_CHANGED,
                actor=actor,
                subject={"role": role, "competency": item_id},
                changes=[change("rating.value", before, value)],
            )
        )
    if actuals:
        actuals_report(review=review, actor=actor, actuals=actuals)

    changed = ["version", "updated_at"]
    before_texts = {name: getattr(assessment, name) for name in TEXT_FIELDS[role]}
    for field_name in TEXT_FIELDS[role]:
        if texts and field_name in texts and getattr(assessment, field_name) != texts[field_name]:
            setattr(assessment, field_name, texts[field_name])
            changed.append(field_name)
    text_changes = changes_of(
        "assessment", before_texts, {name: getattr(assessment, name) for name in TEXT_FIELDS[role]}
    )
    if text_changes:
        entries.append(
            audit_entry(
                cycle=cycle,
                review=review,
                action=AuditAction.ASSESSMENT_CHANGED,
                actor=actor,
                subject={"role": role},
                changes=text_changes,
            )
        )
    if submit:
        answered = set(assessment.ratings.values_list("competency_id", flat=True))
        unanswered = cycle.competency_items.exclude(pk__in=answered).select_related("competency")
        if unanswered:
            raise ReviewError(
                [
                    _(
                        "Rate every competency, or answer “not observed”, before submitting: "
                        "%(names)s."
                    )
                    % {"names": ", ".join(str(item.competency) for item in unanswered)}
                ]
            )
        assessment.submitted_at = timezone.now()
        changed.append("submitted_at")
        entries.append(
            audit_entry(
                cycle=cycle,
                review=review,
                action=AuditAction.ASSESSMENT_SUBMITTED,
                actor=actor,
                subject={"role": role},
                changes=[change("assessment.submitted_at", None, assessment.submitted_at)],
            )
        )
        if role == AssessmentRole.PEER:
            entries += _peer_request_moved(
                review=review,
                peer_id=actor.pk,
                actor=actor,
                before=PeerRequestStatus.APPROVED,
                after=PeerRequestStatus.SUBMITTED,
            )
        if assessment.role == AssessmentRole.LEADER:
            # Coalesced: submissions within the delay join the run already queued.
            compute_request(
                cycle=cycle,
                trigger=JobTrigger.LEADER_SUBMISSION,
                countdown=settings.COMPUTE_AFTER_SUBMISSION_SECONDS,
            )
    assessment.version += 1
    assessment.save(update_fields=changed)
    audit_record_many(entries)
    return assessment


@transaction.atomic
def assessment_reopen(
    *, assessment: Assessment, actor: Person, reason: str, open_until: datetime | None = None
) -> Assessment:
    """HR reopens one submitted assessment, with a reason that is logged, until a deadline:
    `open_until`, or by default its phase's deadline while that is ahead, else
    REOPEN_DAYS from now. Its owner gets a task and an e-mail saying why and until when."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("review__cycle", "review__person")
        .get(pk=assessment.pk)
    )
    cycle = assessment.review.cycle
    now = timezone.now()
    if not reason.strip():
        raise ReviewError(_("Give a reason for reopening."))
    if not assessment.is_submitted:
        raise ReviewError(_("This assessment is not submitted."))
    if cycle.phase in RESULTS_SHOWN:
        raise ReviewError(
            _("The results are published: a reopened assessment could not change them.")
        )
    if not is_reopenable(assessment, cycle):
        raise ReviewError(
            _(
                "The peer feedback window is over: peers' answers are final, so that no one "
                "can tell one peer's answer from the aggregates before and after it changed."
            )
        )
    phase_deadline = phase_deadline_of(assessment, cycle)
    if open_until is None:
        in_phase = cycle.phase == PHASE_OF_ROLE[assessment.role] and phase_deadline > now
        open_until = phase_deadline if in_phase else now + timedelta(days=REOPEN_DAYS)
    elif open_until <= now:
        raise ReviewError(_("Give a deadline in the future for the reopened assessment."))
    if (
        assessment.role == AssessmentRole.PEER
        and cycle.peer_deadline is not None
        and open_until > cycle.peer_deadline
    ):
        # The peer window closes at the peer deadline whatever HR's date: promising a peer
        # more time would be a lie (their page would close earlier).
        raise ReviewError(
            _(
                "A peer's answer can be reopened only until the peer feedback deadline "
                "(%(deadline)s)."
            )
            % {"deadline": timezone.localtime(cycle.peer_deadline).strftime("%Y-%m-%d %H:%M")}
        )
    reason = reason.strip()
    before = {"submitted_at": assessment.submitted_at, "open_until": assessment.open_until}
    assessment.submitted_at, assessment.open_until = None, open_until
    assessment.version += 1
    assessment.save(update_fields=["submitted_at", "open_until", "version"])
    Reopening.objects.create(assessment=assessment, reopened_by=actor, reason=reason)
    review = assessment.review
    subject = {"role": assessment.role}
    if assessment.role == AssessmentRole.PEER:
        subject["person"] = assessment.assessor_id
    entries = [
        audit_entry(
            cycle=review.cycle_id,
            review=review,
            action=AuditAction.ASSESSMENT_REOPENED,
            actor=actor,
            subject=subject,
            changes=changes_of(
                "assessment",
                before,
                {"submitted_at": None, "open_until": open_until},
            ),
            reason=reason,
        )
    ]
    if assessment.role == AssessmentRole.PEER:
        entries += _peer_request_moved(
            review=review,
            peer_id=assessment.assessor_id,
            actor=actor,
            before=PeerRequestStatus.SUBMITTED,
            after=PeerRequestStatus.APPROVED,
            reason=reason,
        )
    audit_record_many(entries)
    _notify_reopened(assessment, reason)
    return assessment


def _notify_reopened(assessment: Assessment, reason: str) -> None:
    """Tell the assessor their assessment is open again, why, and until when."""
    cycle = assessment.review.cycle
    deadline = assessment_deadline(assessment, cycle)
    email_on_commit(
        [assessment.assessor_id],
        _("Your assessment is open again: %(cycle)s") % {"cycle": cycle.name},
        _(
            "HR reopened your %(role)s assessment of %(name)s in “%(cycle)s”: %(reason)s "
            "You can change and submit it again until %(deadline)s. Open “My tasks” to "
            "find it."
        )
        % {
            "role": assessment.get_role_display().lower(),
            "name": assessment.review.person.name,
            "cycle": cycle.name,
            "reason": reason,
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
        },
    )


def _peer_request_moved(
    *, review: Review, peer_id: int, actor: Person, before: str, after: str, reason: str = ""
) -> list:
    """Move the peer's request from `before` to `after` (when it is there): its audit entry,
    or none."""
    moved = PeerRequest.objects.filter(review=review, peer_id=peer_id, status=before).update(
        status=after
    )
    if not moved:
        return []
    return [
        audit_entry(
            cycle=review.cycle_id,
            review=review,
            action=AuditAction.PEER_REQUEST_CHANGED,
            actor=actor,
            subject={"person": peer_id},
            changes=[change("peerrequest.status", before, after)],
            reason=reason,
        )
    ]

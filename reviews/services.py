"""Writes and state changes of review cycles. Each is one transaction that checks first,
writes with `update_fields`, leaves an audit record, and sends e-mail only after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appraisal.models import Person
from appraisal.tasks import email_people
from kpis.models import ScorecardTemplate
from kpis.scenario import SETTINGS_FIELDS
from kpis.selectors import template_queryset
from kpis.services import template_problems, template_to_dict

from .models import (
    PHASE_ORDER,
    Assessment,
    AssessmentRole,
    Cycle,
    CycleCompetency,
    CycleKpi,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    PhaseChange,
    Review,
)


class ReviewError(Exception):
    """A refused action; `problems` says, one line each, what blocks it."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class PhaseBlocked(ReviewError):  # noqa: N818 - a blocked move, not an error of the caller
    """The next phase is blocked; HR may move on anyway only with explicit confirmation."""


def _names(people, limit: int = 10) -> str:
    names = sorted(str(person) for person in people)
    shown = ", ".join(names[:limit])
    return shown + (
        _(" and %(count)s more") % {"count": len(names) - limit} if len(names) > limit else ""
    )


def _email_on_commit(person_ids: list[int], subject: str, body: str) -> None:
    if person_ids:
        transaction.on_commit(
            lambda: email_people.delay(person_ids=list(person_ids), subject=subject, body=body)
        )


# --- cycles ---------------------------------------------------------------------------------


@transaction.atomic
def cycle_create(
    *,
    actor: Person,
    name: str,
    period_kind: str,
    period_start,
    period_end,
    template: ScorecardTemplate,
    self_assessment_deadline: datetime,
    review_deadline: datetime,
    calibration_deadline: datetime,
    acknowledgement_deadline: datetime,
) -> Cycle:
    problems = []
    if period_start > period_end:
        problems.append(_("The period must end after it starts."))
    deadlines = [
        self_assessment_deadline,
        review_deadline,
        calibration_deadline,
        acknowledgement_deadline,
    ]
    if deadlines != sorted(deadlines):
        problems.append(
            _(
                "Deadlines must follow the phases: self-assessment, review, calibration, "
                "acknowledgement."
            )
        )
    if problems:
        raise ReviewError(problems)
    return Cycle.objects.create(
        name=name,
        period_kind=period_kind,
        period_start=period_start,
        period_end=period_end,
        template=template,
        self_assessment_deadline=self_assessment_deadline,
        review_deadline=review_deadline,
        calibration_deadline=calibration_deadline,
        acknowledgement_deadline=acknowledgement_deadline,
        created_by=actor,
    )


@transaction.atomic
def cycle_add_participants(
    *, cycle: Cycle, people: list[Person], actor: Person | None = None
) -> list[Review]:
    """Add PMs to a cycle, each with the leader and team they have now (kept if the org
    changes later). People already in the cycle are skipped; a person without a leader
    refuses the whole call."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.phase not in (Phase.DRAFT, Phase.SELF_ASSESSMENT):
        raise ReviewError(_("Participants can only be added before the review phase."))
    existing = set(cycle.reviews.values_list("person_id", flat=True))
    without_leader = [person for person in people if person.leader_id is None]
    if without_leader:
        raise ReviewError(
            _("These people have no leader to review them: %(names)s.")
            % {"names": _names(without_leader)}
        )
    reviews = Review.objects.bulk_create(
        Review(cycle=cycle, person=person, leader_id=person.leader_id, team_id=person.team_id)
        for person in people
        if person.pk not in existing
    )
    if cycle.phase == Phase.SELF_ASSESSMENT:
        _notify_opened(cycle, [review.person_id for review in reviews])
    return reviews


@transaction.atomic
def cycle_remove_participant(*, review: Review, actor: Person | None = None) -> None:
    cycle = Cycle.objects.select_for_update().get(pk=review.cycle_id)
    if cycle.phase != Phase.DRAFT:
        raise ReviewError(_("Participants can only be removed while the cycle is a draft."))
    review.delete()


def _json_safe(value):
    """Decimals as strings, so the frozen settings keep their exact value in JSON."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _freeze_scorecard(cycle: Cycle) -> None:
    template = template_queryset().get(pk=cycle.template_id)
    data = template_to_dict(template)
    problems = template_problems(data)
    if problems:
        raise ReviewError([_("The scorecard template is not valid:"), *problems])
    data["grade_order"] = list(data["grading"].get("bands") or data["grading"].get("quotas") or {})
    cycle.scorecard = _json_safe(
        {key: data[key] for key in ("key", "name", *SETTINGS_FIELDS, "grade_order")}
    )
    CycleKpi.objects.bulk_create(
        CycleKpi(
            cycle=cycle,
            kpi=item.kpi,
            position=item.position,
            direction=item.direction,
            threshold=item.threshold,
            target=item.target,
            stretch=item.stretch,
            weight=item.weight,
        )
        for item in template.kpi_items.all()
    )
    CycleCompetency.objects.bulk_create(
        CycleCompetency(
            cycle=cycle, competency=item.competency, position=item.position, weight=item.weight
        )
        for item in template.competency_items.all()
    )


def _notify_opened(cycle: Cycle, person_ids: list[int]) -> None:
    _email_on_commit(
        person_ids,
        _("Review cycle opened: %(name)s") % {"name": cycle.name},
        _(
            "The review cycle “%(name)s” is open. Please report your KPI actuals, rate yourself "
            "and nominate peers by %(deadline)s."
        )
        % {
            "name": cycle.name,
            "deadline": timezone.localtime(cycle.self_assessment_deadline).strftime(
                "%Y-%m-%d %H:%M"
            ),
        },
    )


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Person) -> Cycle:
    """Draft → self-assessment: freeze the scorecard and tell every participant."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.phase != Phase.DRAFT:
        raise ReviewError(_("Only a draft cycle can be opened."))
    if not cycle.reviews.exists():
        raise ReviewError(_("Add at least one participant before opening the cycle."))
    _freeze_scorecard(cycle)
    cycle.phase = Phase.SELF_ASSESSMENT
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["scorecard", "phase", "opened_at"])
    PhaseChange.objects.create(
        cycle=cycle, from_phase=Phase.DRAFT, to_phase=Phase.SELF_ASSESSMENT, moved_by=actor
    )
    _notify_opened(cycle, list(cycle.reviews.values_list("person_id", flat=True)))
    return cycle


def next_phase(phase: str) -> str | None:
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def cycle_blockers(*, cycle: Cycle) -> list[str]:
    """What still blocks moving the cycle to its next phase, one line per kind of thing."""
    blockers = []
    if cycle.phase == Phase.SELF_ASSESSMENT:
        missing = Person.objects.filter(reviews__cycle=cycle).exclude(
            assessments_given__review__cycle=cycle,
            assessments_given__role=AssessmentRole.SELF,
            assessments_given__submitted_at__isnull=False,
        )
        if missing:
            blockers.append(
                ngettext(
                    "%(count)s PM has not submitted a self-assessment: %(names)s",
                    "%(count)s PMs have not submitted their self-assessment: %(names)s",
                    len(missing),
                )
                % {"count": len(missing), "names": _names(missing)}
            )
        nominated = PeerRequest.objects.filter(
            review__cycle=cycle, status=PeerRequestStatus.NOMINATED
        ).count()
        if nominated:
            blockers.append(
                ngettext(
                    "%(count)s peer nomination is waiting for approval",
                    "%(count)s peer nominations are waiting for approval",
                    nominated,
                )
                % {"count": nominated}
            )
    elif cycle.phase == Phase.REVIEW:
        submitted = Assessment.objects.filter(
            review__cycle=cycle, role=AssessmentRole.LEADER, submitted_at__isnull=False
        ).values_list("review_id", flat=True)
        waiting = (
            Review.objects.filter(cycle=cycle).exclude(pk__in=submitted).select_related("leader")
        )
        leaders = {review.leader for review in waiting}
        if leaders:
            blockers.append(
                ngettext(
                    "%(count)s leader has not submitted: %(names)s",
                    "%(count)s leaders have not submitted: %(names)s",
                    len(leaders),
                )
                % {"count": len(leaders), "names": _names(leaders)}
            )
        unanswered = PeerRequest.objects.filter(
            review__cycle=cycle, status=PeerRequestStatus.APPROVED
        ).count()
        if unanswered:
            blockers.append(
                ngettext(
                    "%(count)s peer request is still unanswered",
                    "%(count)s peer requests are still unanswered",
                    unanswered,
                )
                % {"count": unanswered}
            )
    elif cycle.phase == Phase.CALIBRATION:
        blockers += _results_blockers(cycle)
    elif cycle.phase == Phase.PUBLISHED:
        blockers += _acknowledgement_blockers(cycle)
    return blockers


@transaction.atomic
def cycle_advance(*, cycle: Cycle, actor: Person, override_blockers: bool = False) -> Cycle:
    """Move the cycle to its next phase. Blocked moves raise PhaseBlocked naming what blocks
    them, unless HR confirms the override, which is recorded with the blockers it overrode."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.phase == Phase.DRAFT:
        raise ReviewError(_("Open the cycle first."))
    target = next_phase(cycle.phase)
    if target is None:
        raise ReviewError(_("A closed cycle does not move."))
    blockers = cycle_blockers(cycle=cycle)
    if blockers and not override_blockers:
        raise PhaseBlocked(blockers)
    PhaseChange.objects.create(
        cycle=cycle,
        from_phase=cycle.phase,
        to_phase=target,
        moved_by=actor,
        overridden_blockers=blockers,
    )
    cycle.phase = target
    cycle.save(update_fields=["phase"])
    if target == Phase.PUBLISHED:
        _notify_published(cycle)
    return cycle


@dataclass(frozen=True)
class DeadlineChange:
    phase: str
    deadline: datetime


@transaction.atomic
def cycle_extend_deadline(
    *, cycle: Cycle, phase: str, deadline: datetime, actor: Person | None = None, reason: str = ""
) -> Cycle:
    """Move a phase's deadline later; later phases' deadlines move along when they would
    otherwise come before it."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    fields = {
        Phase.SELF_ASSESSMENT: "self_assessment_deadline",
        Phase.REVIEW: "review_deadline",
        Phase.CALIBRATION: "calibration_deadline",
        Phase.PUBLISHED: "acknowledgement_deadline",
    }
    if phase not in fields:
        raise ReviewError(_("That phase has no deadline."))
    current = getattr(cycle, fields[phase])
    if deadline <= current:
        raise ReviewError(_("The new deadline must be later than the current one."))
    changed = []
    seen = False
    for each_phase, field_name in fields.items():
        if each_phase == phase:
            seen = True
            setattr(cycle, field_name, deadline)
            changed.append(field_name)
        elif seen and getattr(cycle, field_name) < deadline:
            setattr(cycle, field_name, deadline)
            changed.append(field_name)
    cycle.save(update_fields=changed)
    return cycle


def within_deadline(cycle: Cycle, phase: str) -> bool:
    deadline = cycle.deadline_for(phase)
    return cycle.phase == phase and deadline is not None and timezone.now() <= deadline


ZERO = Decimal(0)


# --- assessments ----------------------------------------------------------------------------

PHASE_OF_ROLE = {
    AssessmentRole.SELF: Phase.SELF_ASSESSMENT,
    AssessmentRole.LEADER: Phase.REVIEW,
    AssessmentRole.PEER: Phase.REVIEW,
}
TEXT_FIELDS = {
    AssessmentRole.SELF: ("strengths", "gaps", "support_needed"),
    AssessmentRole.LEADER: ("comment",),
    AssessmentRole.PEER: ("comment",),
}


class EditConflict(ReviewError):  # noqa: N818 - a lost-update guard, named for what happened
    """Someone saved the record after this editor loaded it: nothing was overwritten."""


@dataclass(frozen=True)
class ActualInput:
    value: Decimal | None
    evidence: str = ""


def _check_open_for(assessment: Assessment) -> None:
    cycle = assessment.review.cycle
    phase = PHASE_OF_ROLE[assessment.role]
    if assessment.is_submitted:
        raise ReviewError(_("This assessment was submitted and is locked. Ask HR to reopen it."))
    if cycle.phase != phase:
        raise ReviewError(
            _(
                "This cycle is in its %(current)s phase: %(role)s assessments are accepted "
                "only during %(phase)s."
            )
            % {
                "current": cycle.get_phase_display().lower(),
                "role": assessment.get_role_display().lower(),
                "phase": Phase(phase).label.lower(),
            }
        )
    if timezone.now() > cycle.deadline_for(phase):
        raise ReviewError(
            _("The deadline (%(deadline)s) has passed. Ask HR to extend it.")
            % {"deadline": timezone.localtime(cycle.deadline_for(phase)).strftime("%Y-%m-%d %H:%M")}
        )


def assessment_get_or_create(*, review: Review, assessor: Person, role: str) -> Assessment:
    assessment, _created = Assessment.objects.get_or_create(
        review=review, assessor=assessor, role=role
    )
    return assessment


def _rating_problems(cycle: Cycle, ratings: dict[int, int | None]) -> list[str]:
    scale = cycle.scorecard.get("scale", {"lo": 1, "hi": 5})
    lo, hi = int(scale["lo"]), int(scale["hi"])
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


def _actual_problems(cycle: Cycle, actuals: dict[int, ActualInput]) -> list[str]:
    names = {item.pk: str(item.kpi) for item in cycle.kpi_items.select_related("kpi")}
    problems = []
    for item_id, actual in actuals.items():
        if item_id not in names:
            problems.append(_("Unknown KPI."))
        elif actual.value is not None and not actual.value.is_finite():
            problems.append(
                _("%(item)s: the actual must be a finite number.") % {"item": names[item_id]}
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
        problems += _actual_problems(cycle, actuals)
    if problems:
        raise ReviewError(problems)

    existing = {rating.competency_id: rating for rating in assessment.ratings.all()}
    for item_id, value in ratings.items():
        rating = existing.get(item_id)
        if rating is None:
            assessment.ratings.create(competency_id=item_id, value=value)
        elif rating.value != value:
            rating.value = value
            rating.save(update_fields=["value"])
    if actuals:
        _report_actuals(assessment.review, actuals)

    changed = ["version", "updated_at"]
    for field_name in TEXT_FIELDS[assessment.role]:
        if texts and field_name in texts and getattr(assessment, field_name) != texts[field_name]:
            setattr(assessment, field_name, texts[field_name])
            changed.append(field_name)
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
        if assessment.role == AssessmentRole.PEER:
            PeerRequest.objects.filter(review=assessment.review, peer=actor).update(
                status=PeerRequestStatus.SUBMITTED
            )
        if assessment.role == AssessmentRole.LEADER:
            from django.conf import settings

            from .computation import compute_request
            from .models import JobTrigger

            # Coalesced: submissions within the delay join the run already queued.
            compute_request(
                cycle=cycle,
                trigger=JobTrigger.LEADER_SUBMISSION,
                countdown=settings.COMPUTE_AFTER_SUBMISSION_SECONDS,
            )
    assessment.version += 1
    assessment.save(update_fields=changed)
    return assessment


def _report_actuals(review: Review, actuals: dict[int, ActualInput]) -> None:
    from .models import KpiActual

    existing = {
        actual.item_id: actual
        for actual in KpiActual.objects.select_for_update().filter(review=review)
    }
    for item_id, given in actuals.items():
        actual = existing.get(item_id)
        if actual is None:
            KpiActual.objects.create(
                review=review, item_id=item_id, reported_value=given.value, evidence=given.evidence
            )
        elif (actual.reported_value, actual.evidence) != (given.value, given.evidence):
            actual.reported_value, actual.evidence = given.value, given.evidence
            actual.version += 1
            actual.save(update_fields=["reported_value", "evidence", "version"])


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, actor: Person, reason: str) -> Assessment:
    """HR reopens one submitted assessment, with a reason that is logged."""
    from .models import Reopening

    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not reason.strip():
        raise ReviewError(_("Give a reason for reopening."))
    if not assessment.is_submitted:
        raise ReviewError(_("This assessment is not submitted."))
    assessment.submitted_at = None
    assessment.version += 1
    assessment._change_reason = reason  # recorded in the audit trail
    assessment.save(update_fields=["submitted_at", "version"])
    Reopening.objects.create(assessment=assessment, reopened_by=actor, reason=reason.strip())
    if assessment.role == AssessmentRole.PEER:
        PeerRequest.objects.filter(review=assessment.review, peer=assessment.assessor).update(
            status=PeerRequestStatus.APPROVED
        )
    return assessment


# --- the leader's part ----------------------------------------------------------------------


def _check_leader_can_edit(review: Review, actor: Person) -> None:
    if review.leader_id != actor.pk:
        raise ReviewError(_("Only the PM's leader in this cycle can do that."))
    leader_assessment = review.assessments.filter(role=AssessmentRole.LEADER).first()
    if leader_assessment and leader_assessment.is_submitted:
        raise ReviewError(_("Your review was submitted and is locked. Ask HR to reopen it."))
    if not within_deadline(review.cycle, Phase.REVIEW):
        raise ReviewError(_("The review phase is not open, or its deadline has passed."))


@transaction.atomic
def actual_verify(
    *,
    review: Review,
    item: CycleKpi,
    actor: Person,
    value: Decimal | None,
    excused_reason: str = "",
) -> None:
    """The leader verifies (or corrects) a reported actual, or excuses the KPI with a reason.
    The reported value is kept beside the verified one."""
    from .models import KpiActual

    review = Review.objects.select_related("cycle").get(pk=review.pk)
    _check_leader_can_edit(review, actor)
    if item.cycle_id != review.cycle_id:
        raise ReviewError(_("Unknown KPI."))
    if value is not None and not value.is_finite():
        raise ReviewError(_("The actual must be a finite number."))
    actual, _created = KpiActual.objects.select_for_update().get_or_create(review=review, item=item)
    actual.verified_value = value
    actual.excused_reason = excused_reason.strip()
    actual.verified_by = actor if value is not None or excused_reason else None
    actual.verified_at = timezone.now() if actual.verified_by else None
    actual.version += 1
    actual.save(
        update_fields=["verified_value", "excused_reason", "verified_by", "verified_at", "version"]
    )


@transaction.atomic
def review_adjust(*, review: Review, actor: Person, points: Decimal, reason: str) -> Review:
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    _check_leader_can_edit(review, actor)
    bound = Decimal(str(review.cycle.scorecard.get("max_adjustment", 10)))
    if not points.is_finite() or abs(points) > bound:
        raise ReviewError(
            _("The adjustment must be between -%(bound)s and %(bound)s points.") % {"bound": bound}
        )
    if points and not reason.strip():
        raise ReviewError(_("Give a reason for the adjustment."))
    review.adjustment = points
    review.adjustment_reason = reason.strip() if points else ""
    review.save(update_fields=["adjustment", "adjustment_reason"])
    return review


# --- peers ----------------------------------------------------------------------------------

MIN_PEERS, MAX_PEERS = 3, 8


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
    review.peer_requests.filter(status=PeerRequestStatus.NOMINATED).exclude(
        peer_id__in=[peer.pk for peer in peers]
    ).delete()
    already = set(review.peer_requests.values_list("peer_id", flat=True))
    PeerRequest.objects.bulk_create(
        PeerRequest(review=review, peer=peer, nominated_by=actor)
        for peer in peers
        if peer.pk not in already
    )


@transaction.atomic
def peer_requests_approve(
    *, review: Review, actor: Person, is_hr: bool, add: list[Person] = (), remove: list[int] = ()
) -> None:
    """The leader (or HR) approves the nominations, after removing or adding peers; each
    approved peer is asked by e-mail."""
    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if not (is_hr or review.leader_id == actor.pk):
        raise ReviewError(_("Only the PM's leader or HR approves peers."))
    if review.cycle.phase not in (Phase.SELF_ASSESSMENT, Phase.REVIEW):
        raise ReviewError(
            _("Peers can be approved only while the cycle is in self-assessment or review.")
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
    _email_on_commit(
        [request.peer_id for request in newly],
        _("Your feedback is requested: %(cycle)s") % {"cycle": review.cycle.name},
        _(
            "A colleague asked for your feedback in the review cycle “%(cycle)s”. Your ratings are "
            "anonymous: the PM and their leader see only aggregates. Open “My tasks” to answer."
        )
        % {"cycle": review.cycle.name},
    )


@transaction.atomic
def peer_request_decline(*, request: PeerRequest, actor: Person, reason: str) -> None:
    request = PeerRequest.objects.select_for_update().get(pk=request.pk)
    if request.peer_id != actor.pk:
        raise ReviewError(_("Only the person asked can decline."))
    if request.status != PeerRequestStatus.APPROVED:
        raise ReviewError(_("This request cannot be declined any more."))
    if not reason.strip():
        raise ReviewError(_("Give a reason for declining."))
    request.status = PeerRequestStatus.DECLINED
    request.decline_reason = reason.strip()
    request.save(update_fields=["status", "decline_reason"])


# --- results: calibration, publication, acknowledgement --------------------------------------


def cycle_grades(cycle: Cycle) -> list[str]:
    """The cycle's grades, best first."""
    return cycle.grades


@transaction.atomic
def result_calibrate(*, review: Review, actor: Person, grade: str, reason: str) -> None:
    """HR overrides a PM's grade with a reason (or, choosing the computed grade again,
    removes the override). Only during calibration; recorded in the audit trail."""
    from .models import Calibration, Result

    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if review.cycle.phase != Phase.CALIBRATION:
        raise ReviewError(_("Grades can be calibrated only during the calibration phase."))
    result = Result.objects.filter(review=review).first()
    if result is None:
        raise ReviewError(_("Compute the results before calibrating."))
    if grade not in cycle_grades(review.cycle):
        raise ReviewError(_("“%(grade)s” is not a grade of this cycle.") % {"grade": grade})
    if grade == result.grade:
        Calibration.objects.filter(review=review).delete()
        return
    if not reason.strip():
        raise ReviewError(_("Give a reason for changing the grade."))
    Calibration.objects.update_or_create(
        review=review, defaults={"grade": grade, "reason": reason.strip(), "calibrated_by": actor}
    )


@transaction.atomic
def result_acknowledge(*, review: Review, actor: Person, comment: str = "") -> None:
    """The PM has read their published result; they may comment. Once."""
    from .models import Acknowledgement, Result

    review = Review.objects.select_for_update().select_related("cycle").get(pk=review.pk)
    if actor.pk != review.person_id:
        raise ReviewError(_("Only the PM acknowledges their own result."))
    if review.cycle.phase != Phase.PUBLISHED:
        raise ReviewError(_("Results can be acknowledged only while they are published."))
    if not Result.objects.filter(review=review).exists():
        raise ReviewError(_("There is no result to acknowledge."))
    if Acknowledgement.objects.filter(review=review).exists():
        raise ReviewError(_("You have already acknowledged this result."))
    Acknowledgement.objects.create(review=review, comment=comment.strip()[:5000])


def _results_blockers(cycle: Cycle) -> list[str]:
    from .models import Result

    missing = Review.objects.filter(cycle=cycle).exclude(
        pk__in=Result.objects.filter(cycle=cycle).values("review_id")
    )
    count = missing.count()
    if count:
        return [
            ngettext(
                "%(count)s PM has no computed result: compute the results first",
                "%(count)s PMs have no computed result: compute the results first",
                count,
            )
            % {"count": count}
        ]
    return []


def _acknowledgement_blockers(cycle: Cycle) -> list[str]:
    from .models import Acknowledgement

    waiting = Person.objects.filter(reviews__cycle=cycle).exclude(
        pk__in=Acknowledgement.objects.filter(review__cycle=cycle).values("review__person_id")
    )
    if waiting:
        return [
            ngettext(
                "%(count)s PM has not acknowledged: %(names)s",
                "%(count)s PMs have not acknowledged their result: %(names)s",
                len(waiting),
            )
            % {"count": len(waiting), "names": _names(waiting)}
        ]
    return []


def _notify_published(cycle: Cycle) -> None:
    _email_on_commit(
        list(cycle.reviews.values_list("person_id", flat=True)),
        _("Your result is published: %(cycle)s") % {"cycle": cycle.name},
        _(
            "The results of “%(cycle)s” are published. Open “My tasks” to read how your score "
            "was made and to acknowledge it."
        )
        % {"cycle": cycle.name},
    )

"""Cycles: create, open, move through the phases, extend deadlines. Each change is one
transaction with its audit entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Person
from kpis.models import ScorecardTemplate
from kpis.scenario import SETTINGS_FIELDS
from kpis.selectors import template_queryset
from kpis.services import template_problems, template_to_dict
from reviews import obligations
from reviews.audit import audit_record, change
from reviews.models import (
    PHASE_ORDER,
    AuditAction,
    Cycle,
    CycleCompetency,
    CycleKpi,
    Phase,
    PhaseChange,
)

from .common import PhaseBlocked, ReviewError, email_on_commit, names_listed
from .peers import notify_peers_can_answer


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
    is_team_rank_shown_to_pms: bool = False,
    peer_deadline: datetime | None = None,
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
    problem = peer_deadline_problem(
        peer_deadline,
        self_assessment_deadline=self_assessment_deadline,
        review_deadline=review_deadline,
    )
    if problem:
        problems.append(problem)
    if problems:
        raise ReviewError(problems)
    cycle = Cycle.objects.create(
        name=name,
        period_kind=period_kind,
        period_start=period_start,
        period_end=period_end,
        template=template,
        self_assessment_deadline=self_assessment_deadline,
        review_deadline=review_deadline,
        peer_deadline=peer_deadline,
        calibration_deadline=calibration_deadline,
        acknowledgement_deadline=acknowledgement_deadline,
        is_team_rank_shown_to_pms=is_team_rank_shown_to_pms,
        created_by=actor,
    )
    audit_record(cycle=cycle, action=AuditAction.CYCLE_CREATED, actor=actor)
    return cycle


def peer_deadline_problem(
    peer_deadline: datetime | None, *, self_assessment_deadline: datetime, review_deadline: datetime
) -> str | None:
    """Why the peer feedback deadline does not fit, in words: it falls in the review phase,
    between the self-assessment and the review deadlines (peers answer in the review phase,
    and the leader needs time to read their views before the review deadline)."""
    if peer_deadline is None or self_assessment_deadline <= peer_deadline <= review_deadline:
        return None
    return _(
        "The peer feedback deadline must fall between the self-assessment deadline and the "
        "review deadline."
    )


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


def notify_opened(cycle: Cycle, person_ids: list[int]) -> None:
    email_on_commit(
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
    audit_record(
        cycle=cycle,
        action=AuditAction.PHASE_MOVED,
        actor=actor,
        changes=[change("cycle.phase", Phase.DRAFT, Phase.SELF_ASSESSMENT)],
    )
    notify_opened(cycle, list(cycle.reviews.values_list("person_id", flat=True)))
    return cycle


def next_phase(phase: str) -> str | None:
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def cycle_blockers(*, cycle: Cycle) -> list[str]:
    """What still blocks moving the cycle to its next phase, one line per kind of thing,
    naming who owes it (the rules: `reviews.obligations`)."""
    owed = obligations.Owed()
    kinds = obligations.BLOCKING.get(cycle.phase, ())
    if "self_assessments" in kinds:
        missing = [
            review.person
            for review in obligations.self_assessments_owed(cycle).select_related("person")
        ]
        owed.self_assessments = len(missing)
        owed.names["self_assessments"] = names_listed(missing)
    if "nominations" in kinds:
        owed.nominations = obligations.nominations_waiting(cycle).count()
    if "leaders" in kinds:
        waiting = obligations.leader_assessments_owed(cycle).select_related("leader")
        leaders = {review.leader for review in waiting}
        owed.leaders = len(leaders)
        owed.names["leaders"] = names_listed(leaders)
    if "peer_answers" in kinds:
        owed.peer_answers = obligations.peer_answers_owed(cycle).count()
    if "results" in kinds:
        owed.results = obligations.results_missing(cycle).count()
    if "acknowledgements" in kinds:
        waiting = [
            review.person
            for review in obligations.acknowledgements_owed(cycle).select_related("person")
        ]
        owed.acknowledgements = len(waiting)
        owed.names["acknowledgements"] = names_listed(waiting)
    return obligations.phase_blockers(cycle.phase, owed)


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
    if target == Phase.REVIEW and cycle.peer_deadline and cycle.peer_deadline < timezone.now():
        # Peers could not answer at all, and the leader would read an empty, final window.
        raise ReviewError(
            _(
                "The peer feedback deadline (%(deadline)s) has passed: move it later first, "
                "so that peers can answer."
            )
            % {"deadline": timezone.localtime(cycle.peer_deadline).strftime("%Y-%m-%d %H:%M")}
        )
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
    audit_record(
        cycle=cycle,
        action=AuditAction.PHASE_MOVED,
        actor=actor,
        changes=[change("cycle.phase", cycle.phase, target)],
        reason="; ".join(blockers),
    )
    cycle.phase = target
    cycle.save(update_fields=["phase"])
    if target == Phase.REVIEW:
        notify_peers_can_answer(
            cycle, list(obligations.peer_answers_owed(cycle).values_list("peer_id", flat=True))
        )
    if target == Phase.PUBLISHED:
        _notify_published(cycle)
    return cycle


# The extension form's choice for the peer feedback deadline, beside the phases.
PEER_FEEDBACK = "peer_feedback"

PHASE_DEADLINES = {
    Phase.SELF_ASSESSMENT: "self_assessment_deadline",
    Phase.REVIEW: "review_deadline",
    Phase.CALIBRATION: "calibration_deadline",
    Phase.PUBLISHED: "acknowledgement_deadline",
}


def _is_peer_deadline_fixed(cycle: Cycle) -> bool:
    """The peer deadline passed during or after the review phase: the leader has read
    peers' final views (`permissions.is_peer_window_closed`), and reopening the window would
    let a changed answer be differenced. Before the review phase it may still move: no peer
    has answered yet."""
    return (
        cycle.peer_deadline is not None
        and cycle.peer_deadline < timezone.now()
        and cycle.phase not in (Phase.DRAFT, Phase.SELF_ASSESSMENT)
    )


def _peer_deadline_extend(cycle: Cycle, deadline: datetime) -> list[str]:
    """Move the peer feedback deadline later, only while it is not fixed. Returns the
    fields changed."""
    if cycle.peer_deadline is None:
        raise ReviewError(
            _("This cycle has no peer feedback deadline: peers answer until the review deadline.")
        )
    if _is_peer_deadline_fixed(cycle):
        raise ReviewError(
            _(
                "The peer feedback deadline has passed and cannot be moved: the leaders read "
                "peers' final views from then on."
            )
        )
    if deadline <= cycle.peer_deadline:
        raise ReviewError(_("The new deadline must be later than the current one."))
    if deadline > cycle.review_deadline:
        raise ReviewError(
            _(
                "The peer feedback deadline must fall between the self-assessment deadline and "
                "the review deadline."
            )
        )
    cycle.peer_deadline = deadline
    return ["peer_deadline"]


def _phase_deadline_extend(cycle: Cycle, phase: str, deadline: datetime) -> list[str]:
    """Move a phase's deadline later and later phases' along; the peer feedback deadline
    moves only when the self-assessment deadline would pass it, and never once fixed (the
    review deadline moving never moves it). Returns the fields changed."""
    if phase not in PHASE_DEADLINES:
        raise ReviewError(_("That phase has no deadline."))
    if deadline <= getattr(cycle, PHASE_DEADLINES[phase]):
        raise ReviewError(_("The new deadline must be later than the current one."))
    changed = []
    seen = False
    for each_phase, field_name in PHASE_DEADLINES.items():
        if each_phase == phase:
            seen = True
            setattr(cycle, field_name, deadline)
            changed.append(field_name)
        elif seen and getattr(cycle, field_name) < deadline:
            setattr(cycle, field_name, deadline)
            changed.append(field_name)
    if cycle.peer_deadline is not None and cycle.peer_deadline < cycle.self_assessment_deadline:
        if _is_peer_deadline_fixed(cycle):
            raise ReviewError(
                _(
                    "The peer feedback deadline has passed and cannot be moved: the leaders "
                    "read peers' final views from then on."
                )
            )
        cycle.peer_deadline = cycle.self_assessment_deadline
        changed.append("peer_deadline")
    return changed


@transaction.atomic
def cycle_extend_deadline(
    *, cycle: Cycle, phase: str, deadline: datetime, actor: Person | None = None, reason: str = ""
) -> Cycle:
    """Move a phase's deadline (or the peer feedback deadline, `PEER_FEEDBACK`) later;
    later phases' deadlines move along when they would otherwise come before it."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    names = [*PHASE_DEADLINES.values(), "peer_deadline"]
    before = {name: getattr(cycle, name) for name in names}
    if phase == PEER_FEEDBACK:
        changed = _peer_deadline_extend(cycle, deadline)
    else:
        changed = _phase_deadline_extend(cycle, phase, deadline)
    cycle.save(update_fields=changed)
    audit_record(
        cycle=cycle,
        action=AuditAction.DEADLINE_EXTENDED,
        actor=actor,
        changes=[change(f"cycle.{name}", before[name], getattr(cycle, name)) for name in changed],
        reason=reason.strip(),
    )
    return cycle


def _notify_published(cycle: Cycle) -> None:
    email_on_commit(
        list(cycle.reviews.values_list("person_id", flat=True)),
        _("Your result is published: %(cycle)s") % {"cycle": cycle.name},
        _(
            "The results of “%(cycle)s” are published. Open “My tasks” to read how your score "
            "was made and to acknowledge it."
        )
        % {"cycle": cycle.name},
    )

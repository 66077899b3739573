"""Factories of the review cycle (app `reviews`), for rows written directly.

A cycle that goes through its phases the way HR moves it (frozen scorecard, phase
changes, e-mails) is built with the real services: `tests.builders.build_cycle`. These
factories write rows as they are, for tests that set up a state directly (a scenario's
inputs, thousands of ratings, a computed result).

Defaults keep every row consistent with the others it refers to: a review's leader and
team are its PM's, an item belongs to its review's cycle, a self-assessment is the PM's.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from kpis.models import Direction
from reviews.computation import lease_duration
from reviews.models import (
    Acknowledgement,
    Assessment,
    AssessmentRole,
    Calibration,
    ComputationJob,
    Cycle,
    CycleCompetency,
    CycleKpi,
    JobStatus,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    PeriodKind,
    Phase,
    PhaseChange,
    Rating,
    ReminderSent,
    Reopening,
    Result,
    Review,
)

from .kpis import CompetencyFactory, KpiFactory, ScorecardTemplateFactory, _thresholds
from .people import HrFactory, PersonFactory

PHASE_DAYS = 14  # between one deadline and the next


def _after(field: str, days: int = PHASE_DAYS):
    return factory.LazyAttribute(lambda cycle: getattr(cycle, field) + timedelta(days=days))


class CycleFactory(factory.django.DjangoModelFactory):
    """A draft cycle written directly: its period around today, deadlines in phase order
    (`cycle_deadlines_ordered`), nothing frozen yet (`scorecard` is empty)."""

    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    period_kind = PeriodKind.QUARTER
    period_start = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=60))
    period_end = factory.LazyAttribute(lambda cycle: cycle.period_start + timedelta(days=90))
    template = factory.SubFactory(ScorecardTemplateFactory)
    phase = Phase.DRAFT
    self_assessment_deadline = factory.LazyFunction(
        lambda: timezone.now() + timedelta(days=PHASE_DAYS)
    )
    review_deadline = _after("self_assessment_deadline")
    calibration_deadline = _after("review_deadline")
    acknowledgement_deadline = _after("calibration_deadline")
    created_by = factory.SubFactory(HrFactory)


class CycleKpiFactory(factory.django.DjangoModelFactory):
    """A KPI of a cycle's frozen scorecard, thresholds in the order of its direction."""

    class Meta:
        model = CycleKpi

    cycle = factory.SubFactory(CycleFactory)
    kpi = factory.SubFactory(KpiFactory)
    position = 0
    direction = factory.LazyAttribute(lambda item: Direction(item.kpi.direction))
    threshold = factory.LazyAttribute(lambda item: _thresholds(item.direction)[0])
    target = factory.LazyAttribute(lambda item: _thresholds(item.direction)[1])
    stretch = factory.LazyAttribute(lambda item: _thresholds(item.direction)[2])
    weight = Decimal(100)


class CycleCompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleCompetency

    cycle = factory.SubFactory(CycleFactory)
    competency = factory.SubFactory(CompetencyFactory)
    position = 0
    weight = Decimal(100)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A PM's review, with the leader and team the PM has (as `cycle_add_participants`
    takes them). The default PM has a leader of their own team."""

    class Meta:
        model = Review

    cycle = factory.SubFactory(CycleFactory)
    person = factory.SubFactory(
        PersonFactory,
        is_reviewed_pm=True,
        leader=factory.SubFactory(PersonFactory, team=factory.SelfAttribute("..team")),
    )
    leader = factory.SelfAttribute("person.leader")
    team = factory.SelfAttribute("person.team")


def _assessor(assessment):
    if assessment.role == AssessmentRole.SELF:
        return assessment.review.person
    if assessment.role == AssessmentRole.LEADER:
        return assessment.review.leader
    return PersonFactory()  # a peer: someone from another team


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A self-assessment in draft; `role=` gives the leader's (the review's leader) or a
    peer's (a new person); `submitted=True` submits it now."""

    class Meta:
        model = Assessment

    review = factory.SubFactory(ReviewFactory)
    role = AssessmentRole.SELF
    assessor = factory.LazyAttribute(_assessor)
    submitted_at = None

    class Params:
        submitted = factory.Trait(submitted_at=factory.LazyFunction(timezone.now))


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating in the middle of the default scale, of a competency of the review's cycle."""

    class Meta:
        model = Rating

    assessment = factory.SubFactory(AssessmentFactory)
    competency = factory.SubFactory(
        CycleCompetencyFactory, cycle=factory.SelfAttribute("..assessment.review.cycle")
    )
    value = 3


class KpiActualFactory(factory.django.DjangoModelFactory):
    """An actual reported by the PM for a KPI of the review's cycle; `verified=True` has
    the leader confirm it, `excused=True` excuses it with a reason instead."""

    class Meta:
        model = KpiActual

    review = factory.SubFactory(ReviewFactory)
    item = factory.SubFactory(CycleKpiFactory, cycle=factory.SelfAttribute("..review.cycle"))
    reported_value = Decimal(20)

    class Params:
        verified = factory.Trait(
            verified_value=factory.SelfAttribute("reported_value"),
            verified_by=factory.SelfAttribute("review.leader"),
            verified_at=factory.LazyFunction(timezone.now),
        )
        excused = factory.Trait(reported_value=None, excused_reason="Not measurable this period")


class PeerRequestFactory(factory.django.DjangoModelFactory):
    """A peer nominated by the PM; `approved`, `submitted` (both approved by the leader)
    or `declined` (with its reason: `peer_decline_has_reason`) for the later states."""

    class Meta:
        model = PeerRequest

    review = factory.SubFactory(ReviewFactory)
    peer = factory.SubFactory(PersonFactory)
    status = PeerRequestStatus.NOMINATED
    nominated_by = factory.SelfAttribute("review.person")
    approved_by = None

    class Params:
        approved = factory.Trait(
            status=PeerRequestStatus.APPROVED, approved_by=factory.SelfAttribute("review.leader")
        )
        submitted = factory.Trait(
            status=PeerRequestStatus.SUBMITTED, approved_by=factory.SelfAttribute("review.leader")
        )
        declined = factory.Trait(
            status=PeerRequestStatus.DECLINED, decline_reason="We have not worked together"
        )


class PhaseChangeFactory(factory.django.DjangoModelFactory):
    """The opening of a cycle, by the HR person who created it."""

    class Meta:
        model = PhaseChange

    cycle = factory.SubFactory(CycleFactory, phase=Phase.SELF_ASSESSMENT)
    from_phase = Phase.DRAFT
    to_phase = Phase.SELF_ASSESSMENT
    moved_by = factory.SelfAttribute("cycle.created_by")


class ReopeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reopening

    assessment = factory.SubFactory(AssessmentFactory)
    reopened_by = factory.SubFactory(HrFactory)
    reason = "Typo in an actual"


class ReminderSentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderSent

    cycle = factory.SubFactory(CycleFactory, phase=Phase.SELF_ASSESSMENT)
    person = factory.SubFactory(PersonFactory)
    phase = Phase.SELF_ASSESSMENT


class ComputationJobFactory(factory.django.DjangoModelFactory):
    """A queued run (at most one per cycle: `one_queued_job_per_cycle`); pass `status`,
    `progress` and `stage` for a running or finished one."""

    class Meta:
        model = ComputationJob

    cycle = factory.SubFactory(CycleFactory, phase=Phase.CALIBRATION)
    status = JobStatus.QUEUED
    # A running job is a live one: its run holds it under a lease (pass lease_expires_at
    # in the past for a dead one).
    lease_expires_at = factory.LazyAttribute(
        lambda job: timezone.now() + lease_duration() if job.status == JobStatus.RUNNING else None
    )


class ResultFactory(factory.django.DjangoModelFactory):
    """A computed result of the review's cycle (what compute_cycle writes, without an
    explanation)."""

    class Meta:
        model = Result

    review = factory.SubFactory(ReviewFactory, cycle__phase=Phase.CALIBRATION)
    cycle = factory.SelfAttribute("review.cycle")
    final_score = Decimal("75.48")
    rank = 1
    team_rank = 1
    grade = "B"
    bonus_multiplier = Decimal("1.00")
    computed_at = factory.LazyFunction(timezone.now)


class CalibrationFactory(factory.django.DjangoModelFactory):
    """HR's override of a grade, with its reason (`calibration_has_reason`)."""

    class Meta:
        model = Calibration

    review = factory.SubFactory(ReviewFactory, cycle__phase=Phase.CALIBRATION)
    grade = "A"
    reason = "Calibrated"
    calibrated_by = factory.SubFactory(HrFactory)


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Acknowledgement

    review = factory.SubFactory(ReviewFactory, cycle__phase=Phase.PUBLISHED)
    comment = ""


def create_in_bulk(factory_class, rows) -> list:
    """Rows built by `factory_class` (one dict of fields each) and saved in one
    bulk_create: fast for thousands, and like bulk_create it sends no signal (so no
    history row)."""
    model = factory_class._meta.model
    return model.objects.bulk_create([factory_class.build(**row) for row in rows])

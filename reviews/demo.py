"""Demo review cycles, so a fresh `make run` shows every role something to do.

- "2026 Q3 · All product teams" is closed: results computed, one grade calibrated,
  published and acknowledged, so My results and team history have a past to show; a few
  PMs have a development plan (growth.demo).
- "2026 Q4 · Growth and Commerce" is in review: PMs have submitted, peers were approved
  and some answered (until the peer feedback deadline, a few days before the review
  deadline), leaders still owe their reviews; Chen Lin recorded progress on her
  plan from the past cycle.
- "2026 Q4 · Social and Platform" is in self-assessment: some drafts, some nominations
  waiting for the leader's approval.
Idempotent: a cycle that exists by name is left as it is.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from appraisal.models import Person
from kpis.models import ScorecardTemplate

from . import services
from .computation import cycle_compute
from .models import (
    Assessment,
    AssessmentRole,
    Cycle,
    PeerRequest,
    PeerRequestStatus,
    Rating,
    Review,
)

PAST_CYCLE = "2026 Q3 · All product teams"
REVIEW_CYCLE = "2026 Q4 · Growth and Commerce"
SELF_CYCLE = "2026 Q4 · Social and Platform"
# What peers wrote in the past cycle: the PM reads them, unnamed, on the published result.
PEER_WORDS = (
    "Clear specs; engineering rarely had to guess.",
    "Brings data to every debate.",
    "Could involve design earlier in discovery.",
    "Reliable partner on the release train.",
    "Listens, then decides quickly.",
)

PEER_POOL = (
    "luo.xin",
    "sophie.martin",
    "gao.ying",
    "zheng.kai",
    "michael.lee",
    "feng.rui",
    "yang.qian",
    "han.mei",
    "lu.chao",
)


def _people() -> dict[str, Person]:
    return {
        person.user.username: person for person in Person.objects.select_related("user", "team")
    }


def _create(name: str, template_key: str, teams: list[str], hr: Person) -> Cycle:
    now = timezone.now()
    cycle = services.cycle_create(
        actor=hr,
        name=name,
        period_kind="quarter",
        period_start=now.date().replace(month=10, day=1),
        period_end=now.date().replace(month=12, day=31),
        template=ScorecardTemplate.objects.get(key=template_key),
        self_assessment_deadline=now + timedelta(days=7),
        review_deadline=now + timedelta(days=21),
        calibration_deadline=now + timedelta(days=28),
        acknowledgement_deadline=now + timedelta(days=42),
    )
    pms = list(Person.objects.filter(team__name__in=teams, is_reviewed_pm=True))
    services.cycle_add_participants(cycle=cycle, people=pms, actor=hr)
    return services.cycle_open(cycle=cycle, actor=hr)


def _self_assess(review: Review, rng: random.Random, *, submit: bool) -> None:
    cycle = review.cycle
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    actuals = {}
    for item in cycle.kpi_items.all():
        span = item.target - item.threshold
        value = item.threshold + span * Decimal(rng.randint(-2, 18)) / 10
        actuals[item.pk] = services.ActualInput(
            value.quantize(Decimal("0.1")), "Q4 dashboard export"
        )
    services.assessment_save(
        assessment=assessment,
        actor=review.person,
        version=assessment.version,
        ratings={item.pk: rng.choice([3, 4, 4, 5]) for item in cycle.competency_items.all()},
        texts={
            "strengths": "Shipped the quarter's main bet on time.",
            "gaps": "Documentation lagged behind delivery.",
            "support_needed": "Earlier access to analytics support.",
        },
        actuals=actuals,
        submit=submit,
    )


def _nominate(review: Review, people: dict[str, Person], rng: random.Random) -> None:
    pool = [people[name] for name in PEER_POOL if name in people]
    services.peer_nominations_set(review=review, actor=review.person, peers=rng.sample(pool, 4))


def _past_cycle(people: dict[str, Person], hr: Person, rng: random.Random) -> None:

    cycle = _create(PAST_CYCLE, "tob_saas", ["Growth", "Commerce", "Social", "Platform"], hr)
    competencies = list(cycle.competency_items.all())
    pool = [people[name] for name in PEER_POOL if name in people]
    now = timezone.now()
    for review in cycle.reviews.select_related("person", "leader"):
        _self_assess(review, rng, submit=True)
        leader = Assessment.objects.create(
            review=review,
            assessor=review.leader,
            role=AssessmentRole.LEADER,
            submitted_at=now,
            strengths="Shipped the quarter's main bet and kept the team aligned.",
            gaps="Write decisions down before the meeting, not after.",
            comment="Steady quarter; keep raising the bar on documentation.",
        )
        Rating.objects.bulk_create(
            Rating(assessment=leader, competency=item, value=rng.choice([3, 3, 4, 4, 5]))
            for item in competencies
        )
        # The words are picked without the random generator, so the demo's figures stay.
        for index, peer in enumerate(rng.sample(pool, 4)):
            words = PEER_WORDS[(review.pk + index) % len(PEER_WORDS)]
            PeerRequest.objects.create(
                review=review,
                peer=peer,
                nominated_by=review.person,
                approved_by=review.leader,
                status=PeerRequestStatus.SUBMITTED,
            )
            answer = Assessment.objects.create(
                review=review,
                assessor=peer,
                role=AssessmentRole.PEER,
                submitted_at=now,
                comment=words,
            )
            Rating.objects.bulk_create(
                Rating(assessment=answer, competency=item, value=rng.choice([3, 4, 4, 5]))
                for item in competencies
            )
    cycle = services.cycle_advance(cycle=cycle, actor=hr)  # to review
    cycle = services.cycle_advance(cycle=cycle, actor=hr)  # to calibration
    cycle_compute(cycle_id=cycle.pk)
    best = cycle.results.order_by("rank").select_related("review").first()
    if best is not None and best.grade != "S":
        services.result_calibrate(
            review=best.review, actor=hr, grade="S", reason="Led the cross-team pricing launch."
        )
    cycle = services.cycle_advance(cycle=cycle, actor=hr)  # published
    for review in cycle.reviews.select_related("person"):
        services.result_acknowledge(review=review, actor=review.person, comment="")
    services.cycle_advance(cycle=cycle, actor=hr)  # closed
    past = now - timedelta(days=60)
    Cycle.objects.filter(pk=cycle.pk).update(
        period_start=past.date().replace(month=7, day=1),
        period_end=past.date().replace(month=9, day=30),
        self_assessment_deadline=past,
        review_deadline=past + timedelta(days=10),
        calibration_deadline=past + timedelta(days=15),
        acknowledgement_deadline=past + timedelta(days=25),
    )


@transaction.atomic
def seed_cycles() -> list[str]:
    """Create the demo cycles that do not exist yet; return their names."""
    people = _people()
    hr = people["ye.qing"]
    created = []
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not security
    # The development plans are growth's (imports run growth → reviews); the demo company
    # is the one place that assembles every app, so it reaches for them here.
    from growth import demo as growth_demo  # noqa: PLC0415

    if not Cycle.objects.filter(name=PAST_CYCLE).exists():
        _past_cycle(people, hr, rng)
        growth_demo.seed_past_plans(cycle=Cycle.objects.get(name=PAST_CYCLE), people=people)
        created.append(PAST_CYCLE)
    if not Cycle.objects.filter(name=REVIEW_CYCLE).exists():
        cycle = _create(REVIEW_CYCLE, "tob_saas", ["Growth", "Commerce"], hr)
        for review in cycle.reviews.select_related("person__user", "leader", "cycle"):
            growth_demo.record_progress(review=review)
            _self_assess(review, rng, submit=True)
            _nominate(review, people, rng)
            services.peer_requests_approve(review=review, actor=review.leader, is_hr=False)
        cycle = services.cycle_advance(cycle=cycle, actor=hr)
        for review in cycle.reviews.select_related("person", "cycle")[:3]:
            for request in review.peer_requests.select_related("peer")[:3]:
                assessment = services.assessment_get_or_create(
                    review=review, assessor=request.peer, role=AssessmentRole.PEER
                )
                services.assessment_save(
                    assessment=assessment,
                    actor=request.peer,
                    version=assessment.version,
                    ratings={
                        item.pk: rng.choice([3, 4, 5]) for item in cycle.competency_items.all()
                    },
                    texts={"comment": "Good partner on the release."},
                    submit=True,
                )
        # Peers answer until four days before the review deadline (still ahead, so the
        # demo's peers can answer); leaders then rate with peers' views.
        Cycle.objects.filter(pk=cycle.pk).update(
            self_assessment_deadline=timezone.now() - timedelta(days=2),
            peer_deadline=cycle.review_deadline - timedelta(days=4),
        )
        created.append(REVIEW_CYCLE)
    if not Cycle.objects.filter(name=SELF_CYCLE).exists():
        cycle = _create(SELF_CYCLE, "social", ["Social", "Platform"], hr)
        for index, review in enumerate(cycle.reviews.select_related("person", "leader", "cycle")):
            if index % 2 == 0:
                _self_assess(review, rng, submit=False)
            if index % 3 == 0:
                _nominate(review, people, rng)
        created.append(SELF_CYCLE)
    return created

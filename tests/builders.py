"""The one place tests build review cycles, and the helpers they share.

- `build_cycle` makes a cycle the way HR does, through the real services (cycle_create,
  cycle_add_participants, cycle_open, cycle_advance), up to the phase asked for;
  `advance_to`, `publish` and `in_review_with_peers` move a cycle on the same way;
  `set_phase` writes a phase directly, for cycles written directly.
- `load_into_cycle` writes a scenario file of kpis/scenarios into a cycle in calibration,
  row by row (tests.factories), as `score_scenario` would read it; `add_pms`, `grow` and
  `cycle_with_pms` add more PMs with every input; `calibration_company` is the worked
  example plus one leader's PMs, computed.
- `people_by_username` / `demo_people`: the demo company (appraisal.demo), and `PEERS`,
  colleagues of Chen Lin's from other teams who may be nominated as peers.
- `signed_in`: a fresh test client signed in as a person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.test import Client
from django.utils import timezone

from appraisal.demo import seed_organisation
from appraisal.models import Person, Team
from kpis.models import Direction, ScorecardTemplate
from kpis.scenario import parse_scenario, scorecard_to_dict
from kpis.services import catalog_load
from reviews import services
from reviews.computation import cycle_compute
from reviews.models import PHASE_ORDER, AssessmentRole, Cycle, PeerRequestStatus, Phase, Review
from tests.factories import (
    AssessmentFactory,
    CalibrationFactory,
    CompetencyFactory,
    CycleCompetencyFactory,
    CycleFactory,
    CycleKpiFactory,
    KpiActualFactory,
    KpiFactory,
    PeerRequestFactory,
    PersonFactory,
    RatingFactory,
    ReviewFactory,
    TeamFactory,
    create_in_bulk,
    make_hr,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "kpis" / "scenarios"

# --- the demo company -------------------------------------------------------------------------

HR = "ye.qing"
GROWTH_PMS = ("chen.lin", "wang.fang", "li.na", "zhang.wei")  # led by zhou.min
PEERS = ("luo.xin", "zheng.kai", "yang.qian", "han.mei")  # from other teams than Growth


def people_by_username() -> dict[str, Person]:
    return {
        person.user.username: person for person in Person.objects.select_related("user", "team")
    }


def demo_people() -> dict[str, Person]:
    """The demo company of `manage.py seed_demo` and the shipped KPI catalog: its people
    by username."""
    seed_organisation()
    catalog_load()
    return people_by_username()


# --- cycles through the services --------------------------------------------------------------


def build_cycle(
    *,
    actor: Person,
    pms: Iterable[Person] = (),
    phase: str = Phase.DRAFT,
    template: str | ScorecardTemplate = "tob_saas",
    name: str = "2026 Q4",
    period: tuple[date, date] | None = None,
    days: int = 14,
) -> Cycle:
    """A cycle created by `actor` (HR) through the services, with `pms` as participants,
    moved on to `phase` (blockers overridden). The period runs from 60 days ago to 30
    days ahead unless given; the deadlines fall every `days` days from now."""
    now = timezone.now()
    if period is None:
        period = (now.date() - timedelta(days=60), now.date() + timedelta(days=30))
    if isinstance(template, str):
        template = ScorecardTemplate.objects.get(key=template)
    cycle = services.cycle_create(
        actor=actor,
        name=name,
        period_kind="quarter",
        period_start=period[0],
        period_end=period[1],
        template=template,
        self_assessment_deadline=now + timedelta(days=days),
        review_deadline=now + timedelta(days=days * 2),
        calibration_deadline=now + timedelta(days=days * 3),
        acknowledgement_deadline=now + timedelta(days=days * 4),
    )
    pms = list(pms)
    if pms:
        services.cycle_add_participants(cycle=cycle, people=pms)
    return advance_to(cycle, phase, actor=actor)


def advance_to(cycle: Cycle, phase: str, *, actor: Person) -> Cycle:
    """Move the cycle on from its phase (as the instance given has it) to `phase` through
    the services: opened from a draft (cycle_open), then one phase at a time, blockers
    overridden (cycle_advance). Returns the cycle as the last service returned it."""
    while PHASE_ORDER.index(cycle.phase) < PHASE_ORDER.index(phase):
        if cycle.phase == Phase.DRAFT:
            cycle = services.cycle_open(cycle=cycle, actor=actor)
        else:
            cycle = services.cycle_advance(cycle=cycle, actor=actor, override_blockers=True)
    return cycle


def publish(cycle: Cycle, actor: Person) -> Cycle:
    """Publish a cycle in calibration through the services, as HR confirming the move."""
    return advance_to(cycle, Phase.PUBLISHED, actor=actor)


def set_phase(cycle: Cycle, phase: str) -> None:
    """Write the phase directly (no service: no blockers, no phase change recorded, no
    e-mail), for cycles written directly such as `load_into_cycle`'s."""
    cycle.phase = phase
    cycle.save(update_fields=["phase"])


def in_review_with_peers(review: Review, people: dict[str, Person], names=PEERS) -> None:
    """The PM nominates `names`, their leader approves, HR moves the cycle to review."""
    services.peer_nominations_set(
        review=review, actor=review.person, peers=[people[n] for n in names]
    )
    services.peer_requests_approve(review=review, actor=review.leader, is_hr=False)
    services.cycle_advance(cycle=review.cycle, actor=people[HR], override_blockers=True)
    review.cycle.refresh_from_db()


def leader_save(review: Review, **kwargs):
    """The leader saves their review page at the versions read now: `verifications`,
    `adjustment`, `ratings` (none unless given), `texts`, `submit`; `actor` to try as
    someone else."""
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.leader, role=AssessmentRole.LEADER
    )
    return services.leader_review_save(
        assessment=assessment,
        actor=kwargs.pop("actor", review.leader),
        version=assessment.version,
        ratings=kwargs.pop("ratings", {}),
        **kwargs,
    )


# --- cycles written directly, from the scoring scenarios --------------------------------------


def load_into_cycle(name: str) -> tuple[Cycle, dict[str, Review]]:
    """A cycle in calibration holding exactly the scenario's scorecard and inputs (reviews,
    actuals, submitted assessments and ratings), its reviews by participant id."""
    scenario = parse_scenario(
        json.loads((SCENARIOS / f"{name}.json").read_text(), parse_float=Decimal)
    )
    card = scenario.scorecard
    settings = scorecard_to_dict(card)
    catalog_load()
    now = timezone.now()
    hr = PersonFactory(name="HR")
    cycle = CycleFactory(
        name=name,
        period_kind="quarter",
        period_start=now.date(),
        period_end=now.date(),
        template=ScorecardTemplate.objects.first(),
        phase=Phase.CALIBRATION,
        self_assessment_deadline=now - timedelta(days=3),
        review_deadline=now - timedelta(days=2),
        calibration_deadline=now + timedelta(days=2),
        acknowledgement_deadline=now + timedelta(days=3),
        scorecard={
            **{
                key: value for key, value in settings.items() if key not in ("kpis", "competencies")
            },
            # as cycle_open freezes it: jsonb keeps no key order, so the grade order is a list
            "grade_order": list(
                card.grading.bands if card.grading.mode == "bands" else card.grading.quotas
            ),
        },
        created_by=hr,
    )
    kpi_items = {}
    for position, item in enumerate(card.kpis):
        kpi = KpiFactory(
            key=f"scenario-{item.key}",
            name=item.key,
            category="business",
            unit="count",
            direction=item.direction,
            definition="-",
        )
        kpi_items[item.key] = CycleKpiFactory(
            cycle=cycle,
            kpi=kpi,
            position=position,
            direction=Direction(item.direction),
            threshold=item.threshold,
            target=item.target,
            stretch=item.stretch,
            weight=item.weight,
        )
    competency_items = {}
    for position, item in enumerate(card.competencies):
        competency = CompetencyFactory(
            key=f"scenario-{item.key}", name=item.key, description="-", anchors={}
        )
        competency_items[item.key] = CycleCompetencyFactory(
            cycle=cycle, competency=competency, position=position, weight=item.weight
        )
    peers = [PersonFactory(name=f"Peer {index}") for index in range(8)]
    reviews = {}
    for participant in scenario.participants:
        team = TeamFactory(name=f"team-{name}-{participant.team}")
        leader = PersonFactory(team=team)
        person = PersonFactory(
            team=team, leader=leader, is_reviewed_pm=True, name=str(participant.id)
        )
        review = ReviewFactory(
            cycle=cycle,
            person=person,
            leader=leader,
            team=team,
            adjustment=participant.adjustment,
            adjustment_reason=participant.adjustment_reason,
        )
        reviews[participant.id] = review
        for key, actual in participant.actuals.items():
            if hasattr(actual, "reason"):
                KpiActualFactory(
                    review=review, item=kpi_items[key], excused=True, excused_reason=actual.reason
                )
            else:
                KpiActualFactory(review=review, item=kpi_items[key], reported_value=actual)
        assessments = {}

        def assessment(role, assessor, review=review, assessments=assessments):
            key = (role, assessor.pk)
            if key not in assessments:
                assessments[key] = AssessmentFactory(
                    review=review, assessor=assessor, role=role, submitted=True
                )
            return assessments[key]

        for key, ratings in participant.ratings.items():
            item = competency_items[key]
            if ratings.self_rating is not None:
                RatingFactory(
                    assessment=assessment(AssessmentRole.SELF, person),
                    competency=item,
                    value=ratings.self_rating,
                )
            if ratings.leader_rating is not None:
                RatingFactory(
                    assessment=assessment(AssessmentRole.LEADER, leader),
                    competency=item,
                    value=ratings.leader_rating,
                )
            for index, value in enumerate(ratings.peer_ratings):
                RatingFactory(
                    assessment=assessment(AssessmentRole.PEER, peers[index]),
                    competency=item,
                    value=value,
                )
    return cycle, reviews


def cycle_with_pms(count: int) -> Cycle:
    """The worked example with `count` more PMs in its first team, under one new leader,
    each with one actual and a submitted self-assessment."""
    cycle, _reviews = load_into_cycle("worked_example")
    team = Team.objects.filter(name__startswith="team-worked_example").first()
    leader = PersonFactory(team=team)
    items = list(cycle.competency_items.all())
    kpis = list(cycle.kpi_items.all())
    for _ in range(count):
        person = PersonFactory(team=team, leader=leader, is_reviewed_pm=True)
        review = ReviewFactory(cycle=cycle, person=person, leader=leader, team=team)
        KpiActualFactory(review=review, item=kpis[0], reported_value=Decimal(12))
        own = AssessmentFactory(
            review=review, assessor=person, role=AssessmentRole.SELF, submitted=True
        )
        create_in_bulk(
            RatingFactory, ({"assessment": own, "competency": item, "value": 3} for item in items)
        )
    return cycle


def new_leader(name: str) -> Person:
    """A leader in a team of their own ("Team of <name>")."""
    return PersonFactory(name=name, team=TeamFactory(name=f"Team of {name}"))


def add_pms(cycle, *, leader, count: int, hr, calibrate_every: int = 3) -> list[Review]:
    """`count` PMs under `leader`, each with every input of a finished review: actuals,
    submitted self, leader and three peers' assessments, answered peer requests; every
    `calibrate_every`-th, from the first, calibrated to "A" by `hr`."""
    team = leader.team
    kpis = list(cycle.kpi_items.all())
    competencies = list(cycle.competency_items.all())
    peers = [PersonFactory(name=f"Peer of {leader.name} {index}") for index in range(3)]
    reviews = []
    for _ in range(count):
        person = PersonFactory(team=team, leader=leader, is_reviewed_pm=True)
        review = ReviewFactory(cycle=cycle, person=person, leader=leader, team=team)
        create_in_bulk(
            KpiActualFactory,
            ({"review": review, "item": item, "reported_value": Decimal(12)} for item in kpis),
        )
        raters = [(person, AssessmentRole.SELF), (leader, AssessmentRole.LEADER)]
        raters += [(peer, AssessmentRole.PEER) for peer in peers]
        for assessor, role in raters:
            assessment = AssessmentFactory(
                review=review, assessor=assessor, role=role, submitted=True
            )
            create_in_bulk(
                RatingFactory,
                (
                    {"assessment": assessment, "competency": item, "value": 4}
                    for item in competencies
                ),
            )
        create_in_bulk(
            PeerRequestFactory,
            (
                {
                    "review": review,
                    "peer": peer,
                    "status": PeerRequestStatus.SUBMITTED,
                    "nominated_by": person,
                    "approved_by": leader,
                }
                for peer in peers
            ),
        )
        reviews.append(review)
    for review in reviews[::calibrate_every]:
        CalibrationFactory(review=review, grade="A", reason="Calibrated", calibrated_by=hr)
    return reviews


def grow(cycle, leader, hr, *, mine: int = 10, teams: int = 6, per_team: int = 6) -> None:
    """More PMs: `mine` under `leader`, and `teams` other teams of `per_team`; recompute."""
    add_pms(cycle, leader=leader, count=mine, hr=hr)
    for index in range(teams):
        add_pms(cycle, leader=new_leader(f"Leader {index}"), count=per_team, hr=hr)
    cycle_compute(cycle_id=cycle.pk)


def calibration_company() -> tuple[Cycle, Person, list[Review], Person]:
    """A cycle in calibration, computed: the worked example's PMs, one leader with 2 more
    PMs (the first calibrated to "A"), and HR. Returns (cycle, leader, their reviews, HR)."""
    cycle, _reviews = load_into_cycle("worked_example")
    hr = make_hr(name="HR Pages")
    leader = new_leader("Leader Small")
    mine = add_pms(cycle, leader=leader, count=2, hr=hr)
    cycle_compute(cycle_id=cycle.pk)
    return cycle, leader, mine, hr


# --- clients ----------------------------------------------------------------------------------


def signed_in(person: Person) -> Client:
    """A fresh test client (no cookies or messages carried over) signed in as `person`."""
    client = Client()
    client.force_login(person.user)
    return client

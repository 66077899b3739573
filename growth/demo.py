"""Development plans of the demo company (called by reviews.demo, which builds the cycles):
the past cycle's leaders wrote plans for a few PMs, and in the cycle now in review Chen Lin
recorded their progress with her self-assessment. No randomness: the demo's figures stay."""

from __future__ import annotations

from datetime import timedelta

from appraisal.models import Person
from reviews.models import Cycle, Review

from . import selectors, services
from .models import ActionStatus, DevelopmentAction, DevelopmentPlan

# (what, owner's username, due this many days after the past cycle's review deadline)
PAST_PLANS = {
    "chen.lin": (
        ("Pair with the data team on the activation funnel study.", "jiang.wen", 30),
        ("Write a decision log before each product review.", "chen.lin", 45),
        ("Monthly coaching on stakeholder updates.", "zhou.min", 75),
    ),
    "wang.fang": (
        ("Run two customer interviews a month with UX research.", "sophie.martin", 60),
        ("Present the experiment roadmap at the growth review.", "wang.fang", 40),
    ),
    "liu.yang": (
        ("Shadow the pricing team for one release.", "sarah.johnson", 50),
        ("Draft specs with QA's acceptance criteria from the start.", "liu.yang", 35),
    ),
}
# What the PM recorded in the next cycle, action by action.
PROGRESS = {
    "chen.lin": (
        (ActionStatus.IN_PROGRESS, "Two funnel sessions held with Jiang Wen; the third is booked."),
        (ActionStatus.DONE, "The decision log is kept in the team wiki for every review."),
        (ActionStatus.DROPPED, "Replaced by fortnightly one-to-ones with Zhou Min."),
    ),
}


def seed_past_plans(*, cycle: Cycle, people: dict[str, Person]) -> None:
    """The past cycle's plans, written directly as its leader assessments are (the cycle is
    built already closed, so the leader's review is no longer open to the service)."""
    start = cycle.review_deadline.date()
    for review in cycle.reviews.filter(person__user__username__in=PAST_PLANS).select_related(
        "person__user"
    ):
        plan = DevelopmentPlan.objects.create(review=review, created_by=review.leader, version=1)
        DevelopmentAction.objects.bulk_create(
            DevelopmentAction(
                plan=plan,
                position=position,
                what=what,
                owner=people[owner],
                due_on=start + timedelta(days=days),
            )
            for position, (what, owner, days) in enumerate(PAST_PLANS[review.person.user.username])
        )


def record_progress(*, review: Review) -> None:
    """The PM records progress on their previous plan, through the service, while their
    self-assessment in `review`'s cycle is open."""
    recorded = PROGRESS.get(review.person.user.username)
    plan = selectors.previous_plan_get(review=review) if recorded else None
    if not recorded or plan is None:
        return
    for action, (status, note) in zip(plan.actions.all(), recorded, strict=False):
        services.development_progress_record(
            review=review,
            action=action,
            actor=review.person,
            version=action.version,
            status=status,
            note=note,
        )

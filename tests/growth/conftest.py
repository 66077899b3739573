"""Development plans of the demo company's Growth team, written through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from growth import services
from growth.services import ActionInput
from reviews.computation import cycle_compute
from reviews.models import Phase
from tests.builders import GROWTH_PMS, HR, advance_to, build_cycle, in_review_with_peers


def two_actions(people, *, actions=None) -> list[ActionInput]:
    """Two actions for Chen Lin: one for the PM, one for an analyst elsewhere."""
    due = timezone.localdate() + timedelta(days=60)
    return actions or [
        ActionInput("Pair with analytics on the funnel study.", people["luo.xin"].pk, due),
        ActionInput("Write the decision log before each review.", people["chen.lin"].pk, due),
    ]


def write_plan(review, people, actions=None):
    return services.development_plan_save(
        review=review, actor=review.leader, version=0, actions=two_actions(people, actions=actions)
    )


def publish_with_results(cycle, people):
    """Compute the cycle's results in calibration and publish it, as HR does."""
    cycle = advance_to(cycle, Phase.CALIBRATION, actor=people[HR])
    cycle_compute(cycle_id=cycle.pk)
    return advance_to(cycle, Phase.PUBLISHED, actor=people[HR])


@pytest.fixture
def in_review(people):
    """Chen Lin's review in a cycle in its review phase (she submitted nothing)."""
    cycle = build_cycle(actor=people[HR], pms=[people[name] for name in GROWTH_PMS])
    cycle = advance_to(cycle, Phase.SELF_ASSESSMENT, actor=people[HR])
    review = cycle.reviews.get(person=people["chen.lin"])
    in_review_with_peers(review, people)
    return review


@pytest.fixture
def carried(people, in_review):
    """Chen Lin's plan written in a cycle now published, and her review in the next cycle,
    in its self-assessment phase: (the plan, the next review)."""
    plan = write_plan(in_review, people)
    publish_with_results(in_review.cycle, people)
    today = timezone.localdate()
    following = build_cycle(
        actor=people[HR],
        pms=[people[name] for name in GROWTH_PMS],
        name="2027 Q1",
        period=(today + timedelta(days=31), today + timedelta(days=120)),
        phase=Phase.SELF_ASSESSMENT,
    )
    return plan, following.reviews.get(person=people["chen.lin"])

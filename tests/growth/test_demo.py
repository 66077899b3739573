"""The demo company shows development plans: written in the past cycle, their progress
recorded in the cycle now in review."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from growth.demo import PAST_PLANS
from growth.models import ActionStatus, DevelopmentAction, DevelopmentPlan
from reviews.demo import PAST_CYCLE, REVIEW_CYCLE
from reviews.models import Review
from tests.builders import people_by_username, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo")
    return people_by_username()


def test_the_past_cycle_has_plans_for_a_few_pms(seeded):
    plans = DevelopmentPlan.objects.filter(review__cycle__name=PAST_CYCLE)

    assert set(plans.values_list("review__person__user__username", flat=True)) == set(PAST_PLANS)
    assert DevelopmentAction.objects.filter(plan__in=plans).count() == 7


def test_chen_lin_recorded_progress_and_her_leader_reads_it(seeded):
    review = Review.objects.get(cycle__name=REVIEW_CYCLE, person=seeded["chen.lin"])

    statuses = list(
        DevelopmentAction.objects.filter(plan__review__person=seeded["chen.lin"]).values_list(
            "status", flat=True
        )
    )
    page = signed_in(seeded["zhou.min"]).get(reverse("growth:plan", args=[review.pk]))

    assert statuses == [ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED]
    assert f"Development plan from {PAST_CYCLE}" in page.content.decode()
    assert "Two funnel sessions held with Jiang Wen" in page.content.decode()


def test_the_pm_reads_her_plan_on_the_past_result(seeded):
    review = Review.objects.get(cycle__name=PAST_CYCLE, person=seeded["chen.lin"])

    page = signed_in(seeded["chen.lin"]).get(reverse("reviews:result_detail", args=[review.pk]))

    assert "Pair with the data team on the activation funnel study." in page.content.decode()

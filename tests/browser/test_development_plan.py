"""The development plan in Chromium: the leader writes a plan of two actions during their
review; once the cycle is published, the PM reads it on their result."""

import io
import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import Person
from reviews.computation import cycle_compute
from reviews.demo import PAST_CYCLE, REVIEW_CYCLE
from reviews.models import Cycle, Phase
from tests.builders import HR, advance_to


def test_the_leader_writes_a_plan_and_the_pm_reads_it_on_the_published_result(
    page, db, screenshot, sign_in, accessible
):
    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.get(name=REVIEW_CYCLE)
    review = cycle.reviews.get(person__user__username="chen.lin")
    owners = {p.user.username: p for p in Person.objects.select_related("user")}
    due = (timezone.localdate() + timedelta(days=60)).isoformat()

    sign_in(page, "zhou.min")
    page.goto(f"/reviews/{review.pk}/lead/")
    page.get_by_role("link", name="Development plan (not written yet)").click()
    expect(page.locator("#support-needed")).to_contain_text("Earlier access to analytics")
    expect(page.locator("#previous-plan")).to_contain_text(f"Development plan from {PAST_CYCLE}")
    page.get_by_label("Action 1", exact=True).fill("Pair with analytics on the funnel study.")
    page.get_by_label("Owner 1", exact=True).select_option(str(owners["jiang.wen"].pk))
    page.get_by_label("Due date 1", exact=True).fill(due)
    page.get_by_label("Action 2", exact=True).fill("Write a decision log before each review.")
    page.get_by_label("Owner 2", exact=True).select_option(str(owners["chen.lin"].pk))
    page.get_by_label("Due date 2", exact=True).fill(due)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Development plan saved.")).to_be_visible()
    expect(page.locator("tr.plan-row")).to_have_count(4)  # two actions, two empty rows
    accessible()
    screenshot("leader-writes")
    page.goto(f"/reviews/{review.pk}/lead/")
    expect(page.locator("#development-plan-link")).to_contain_text("Development plan (2 actions)")

    # HR publishes the cycle (its own journey is tested elsewhere).
    cycle = advance_to(cycle, Phase.CALIBRATION, actor=owners[HR])
    cycle_compute(cycle_id=cycle.pk)
    advance_to(cycle, Phase.PUBLISHED, actor=owners[HR])

    page.get_by_role("button", name=re.compile("Zhou Min")).click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "chen.lin")
    page.goto(f"/reviews/{review.pk}/result/")
    plan = page.locator("#development-plan")
    expect(plan).to_contain_text("Pair with analytics on the funnel study.")
    expect(plan).to_contain_text("Jiang Wen")
    expect(plan).to_contain_text("Write a decision log before each review.")
    expect(plan).to_contain_text("Not started")
    accessible()
    screenshot("pm-reads")

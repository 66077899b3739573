"""Review cycles in Chromium: HR opens a cycle; a PM's draft saves as they type."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from kpis.services import catalog_load
from reviews.models import Cycle, Phase, Rating
from tests.browser.conftest import accept_confirmation
from tests.builders import HR, build_cycle


def test_hr_creates_a_cycle_adds_a_team_and_opens_it(page, demo_company, screenshot, sign_in):
    catalog_load()
    sign_in(page, "ye.qing")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Cycles"
    ).click()
    page.get_by_role("link", name="New cycle").click()

    now = timezone.localtime()
    page.get_by_label("Name").fill("2027 Q1")
    page.get_by_label("Scorecard template").select_option(
        label="ToB SaaS (growth, retention, satisfaction)"
    )
    page.get_by_label("Period start").fill("2027-01-01")
    page.get_by_label("Period end").fill("2027-03-31")
    for label, days in (
        ("Self-assessment deadline", 7),
        ("Review deadline", 14),
        ("Calibration deadline", 21),
        ("Acknowledgement deadline", 28),
    ):
        page.get_by_label(label).fill((now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create draft").click()

    expect(page.get_by_text("created as a draft")).to_be_visible()
    page.get_by_label("Growth").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("4 participant(s) added.")).to_be_visible()
    page.get_by_role("button", name="Open the cycle").click()
    accept_confirmation(
        page, says="Opening the cycle e-mails 4 PMs; the scorecard is frozen into the cycle."
    )

    expect(page.locator("#cycle-phase")).to_have_text("Self-assessment")
    expect(page.locator("#blockers")).to_contain_text(
        "4 PMs have not submitted their self-assessment"
    )
    screenshot("cycle-open")
    assert Cycle.objects.get(name="2027 Q1").phase == Phase.SELF_ASSESSMENT


def test_a_pms_draft_saves_as_they_type_and_survives_a_reload(page, people, screenshot, sign_in):
    cycle = build_cycle(actor=people[HR], pms=[people["chen.lin"]], phase=Phase.SELF_ASSESSMENT)
    item = cycle.competency_items.first()

    sign_in(page, "chen.lin")
    page.get_by_role("link", name=re.compile("Self-assessment: 2026 Q4")).click()
    expect(page.get_by_role("heading", name="Self-assessment")).to_be_visible()
    page.locator(f"#rating-{item.pk}-4").check()
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    page.get_by_label("Strengths").fill("Clear, testable specs")
    expect(page.locator("#assessment-version")).to_have_value("2")
    screenshot("self-assessment")

    page.reload()

    expect(page.locator(f"#rating-{item.pk}-4")).to_be_checked()
    expect(page.get_by_label("Strengths")).to_have_value("Clear, testable specs")
    assert Rating.objects.get(competency=item).value == 4

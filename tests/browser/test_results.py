"""Results in Chromium: HR computes and calibrates, publishes; the PM reads why and
acknowledges; the leader sees the team's ranking."""

import io
import re

from django.core.management import call_command
from playwright.sync_api import expect

from reviews.demo import REVIEW_CYCLE
from reviews.models import Acknowledgement, Calibration, Cycle
from tests.browser.conftest import accept_confirmation


def test_hr_computes_calibrates_publishes_and_the_pm_acknowledges(page, db, screenshot, sign_in):
    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.get(name=REVIEW_CYCLE)

    sign_in(page, "ye.qing")
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Results and calibration").click()
    page.get_by_role("button", name="Compute").click()
    expect(page.locator("#last-good-run")).to_contain_text("Last good run")
    expect(page.locator("#results-table tbody tr")).to_have_count(7)
    screenshot("results")

    # Move to calibration (leaders have not all submitted: HR confirms).
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_label(re.compile("Move on anyway")).check()
    page.get_by_role("button", name="Move to the next phase").click()
    accept_confirmation(page)
    expect(page.locator("#cycle-phase")).to_have_text("Calibration")

    page.get_by_role("link", name="Results and calibration").click()
    lin_row = page.locator("#results-table tbody tr", has_text="Chen Lin")
    lin_row.get_by_label("Grade").select_option("S")
    lin_row.get_by_label("Reason").fill("Led the checkout rebuild")
    lin_row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Grade of Chen Lin calibrated.")).to_be_visible()
    expect(page.locator("#distribution-table")).to_be_visible()
    screenshot("calibration")
    assert (
        Calibration.objects.get(
            review__cycle=cycle, review__person__user__username="chen.lin"
        ).grade
        == "S"
    )

    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_role("button", name="Publish the results").click()
    accept_confirmation(page)
    expect(page.locator("#cycle-phase")).to_have_text("Published")

    page.get_by_role("button", name=re.compile("Pan Yu|Ye Qing")).click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "chen.lin")
    page.get_by_role("link", name=re.compile("Read and acknowledge your result")).click()
    expect(page.locator("#grade")).to_have_text("S")
    expect(page.locator("#kpi-table")).to_contain_text("MAU growth")
    expect(page.locator("#final-steps-list")).to_contain_text("Rounded half-up to two decimals")
    screenshot("result")
    page.get_by_label("Your comment (optional)").fill("Thanks, fair.")
    page.get_by_role("button", name="I have read my result").click()
    expect(page.locator("#acknowledged")).to_contain_text("Thanks, fair.")
    acknowledgement = Acknowledgement.objects.get(
        review__cycle=cycle, review__person__user__username="chen.lin"
    )
    assert acknowledgement.comment == "Thanks, fair."

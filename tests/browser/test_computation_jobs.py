"""A computation whose worker dies, in Chromium: the progress bar turns into the reason,
and Compute comes back (issue 19, item 5)."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from reviews.demo import REVIEW_CYCLE
from reviews.models import Cycle, JobStatus
from tests.factories import ComputationJobFactory


def test_a_computation_whose_worker_dies_is_said_to_have_failed_and_compute_is_back(
    page, db, screenshot, sign_in
):
    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.get(name=REVIEW_CYCLE)
    now = timezone.now()
    # Its worker was last heard of just now and is about to be given up for dead.
    ComputationJobFactory(
        cycle=cycle,
        status=JobStatus.RUNNING,
        progress=40,
        stage="Scoring",
        started_at=now,
        lease_holder="a-worker-about-to-be-killed",
        lease_expires_at=now + timedelta(seconds=3),
    )

    sign_in(page, "ye.qing")
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Results and calibration").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_role("button", name="Compute")).to_be_disabled()

    expect(page.locator("#compute-error")).to_contain_text("stopped answering")
    expect(page.locator("#compute-error")).to_contain_text("Compute again.")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(page.get_by_role("button", name="Compute")).to_be_enabled()
    screenshot("worker-lost")

    page.get_by_role("button", name="Compute").click()
    expect(page.locator("#last-good-run")).to_contain_text("Last good run")
    expect(page.locator("#compute-error")).to_have_count(0)

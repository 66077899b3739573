"""The pages that run scripts work under the Content-Security-Policy and break none of it
(issue 19, item 7): the result page draws its radar, the cycle results page polls and
draws the computation's progress, the leader's review autosaves, the template editor adds
rows and sums weights. Chromium reports each violation as a `securitypolicyviolation`
event and a console error: both are collected and must stay empty."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kpis.models import ScorecardTemplate
from reviews.computation import lease_duration
from reviews.demo import PAST_CYCLE, REVIEW_CYCLE
from reviews.models import ComputationJob, JobStatus, Review
from tests.browser.test_refusals_and_looks import demo  # noqa: F401 - a fixture

# Registered through the DevTools protocol before any page script: not itself refused.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it reports collected; checked after the test."""
    console = []
    page.context.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.console_violations = console
    return page


def violations(page) -> list[str]:
    return page.console_violations + page.evaluate("() => window.__violations || []")


def open_with_policy(page, url: str) -> None:
    response = page.goto(url)
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_result_page_draws_its_radar_under_the_policy(watched, demo, sign_in):  # noqa: F811
    review = Review.objects.get(cycle__name=PAST_CYCLE, person__user__username="chen.lin")
    sign_in(watched, "chen.lin")

    open_with_policy(watched, reverse("reviews:result_detail", args=[review.pk]))

    expect(watched.locator("#final-score")).to_be_visible()
    drawn = watched.evaluate("() => !!Chart.getChart(document.getElementById('radar-chart'))")
    assert drawn
    assert violations(watched) == []


def test_the_computation_progress_is_drawn_and_polled_under_the_policy(watched, demo, sign_in):  # noqa: F811
    cycle = demo["review_cycle"]
    # A running job holds a live lease (a job without one is taken for dead and failed).
    ComputationJob.objects.create(
        cycle=cycle,
        status=JobStatus.RUNNING,
        progress=40,
        lease_expires_at=timezone.now() + lease_duration(),
    )
    sign_in(watched, "ye.qing")

    open_with_policy(watched, reverse("reviews:cycle_results", args=[cycle.pk]))

    bar = watched.locator("#compute-progress .progress-bar")
    expect(bar).to_have_attribute("style", re.compile(r"width: 40%"))
    ComputationJob.objects.filter(cycle=cycle).update(progress=70)
    # htmx swaps a fresh bar in each second; app.js widens it again.
    expect(bar).to_have_attribute("style", re.compile(r"width: 70%"), timeout=5_000)
    assert violations(watched) == []


def test_the_leader_review_autosaves_under_the_policy(watched, demo, sign_in):  # noqa: F811
    review = Review.objects.get(cycle__name=REVIEW_CYCLE, person__user__username="chen.lin")
    sign_in(watched, "zhou.min")

    open_with_policy(watched, reverse("reviews:leader_review", args=[review.pk]))
    watched.locator("#strengths").fill("Clear priorities, shipped the pricing test")

    expect(watched.locator("#save-status")).to_contain_text(re.compile(r"\d\d:\d\d"))
    assert violations(watched) == []


def test_the_template_editor_adds_rows_and_sums_under_the_policy(watched, demo, sign_in):  # noqa: F811
    template = ScorecardTemplate.objects.get(key="ecommerce")
    sign_in(watched, "pan.yu")

    open_with_policy(watched, reverse("kpis:template_edit", args=[template.pk]))
    rows = watched.locator('tr[data-item-row="kpis"]')
    before = rows.count()
    watched.locator('[data-add-row="kpis"]').click()

    expect(rows).to_have_count(before + 1)
    assert violations(watched) == []


def test_a_violation_would_be_seen(watched, demo, sign_in):  # noqa: F811
    sign_in(watched, "chen.lin")
    open_with_policy(watched, "/")

    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )

    watched.wait_for_function("() => (window.__violations || []).length > 0")
    assert watched.evaluate("() => window.ran") is None
    assert any("script-src" in line for line in violations(watched))

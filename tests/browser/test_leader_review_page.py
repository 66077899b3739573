"""The leader's review page: one form, saved once; it fits a phone screen."""

import re

from playwright.sync_api import expect

from reviews.demo import REVIEW_CYCLE
from reviews.models import KpiActual, Review
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_refusals_and_looks import PHONE, demo  # noqa: F401 - a fixture


def chen_lins_review() -> Review:
    return Review.objects.get(cycle__name=REVIEW_CYCLE, person__user__username="chen.lin")


def test_the_leader_review_fits_a_phone_screen(browser, live_server, demo, sign_in):  # noqa: F811
    review = chen_lins_review()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, "zhou.min")

    page.goto(f"/reviews/{review.pk}/lead/")

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the leader review is {overflow}px wider than a 390px screen"
    first = review.cycle.kpi_items.first()
    # The actuals table is usable: each row's choices and fields are on screen, full width.
    row = page.locator(f"#actual-{first.pk}")
    row.scroll_into_view_if_needed()
    page.locator(f"#verify-{first.pk}-confirm").check()
    box = page.locator(f"#excuse-{first.pk}").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["width"] > PHONE["width"] / 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-leader-review.png"), full_page=True)
    context.close()


def test_the_leader_verifies_adjusts_and_saves_once(page, demo, sign_in, accessible, screenshot):  # noqa: F811
    review = chen_lins_review()
    first, second, third, fourth = list(review.cycle.kpi_items.order_by("position"))[:4]
    sign_in(page, "zhou.min")
    page.goto(f"/reviews/{review.pk}/lead/")
    accessible()

    page.locator(f"#verify-{first.pk}-confirm").check()
    page.locator(f"#verify-{second.pk}-confirm").check()
    page.locator(f"#verify-{third.pk}-correct").check()
    page.locator(f"#corrected-{third.pk}").fill("11")
    page.locator(f"#verify-{fourth.pk}-excuse").check()
    page.locator(f"#excuse-{fourth.pk}").fill("Survey vendor outage")
    page.locator("#adjustment").fill("-1.5")
    page.locator("#adjustment_reason").fill("Two late requirement reversals")
    page.locator("#assessment-save").click()
    expect(page.get_by_role("alert").first).to_contain_text("Draft saved.")
    page.reload()

    expect(page.locator(f"#verify-{first.pk}-confirm")).to_be_checked()
    expect(page.locator(f"#verify-{second.pk}-confirm")).to_be_checked()
    expect(page.locator(f"#verify-{third.pk}-correct")).to_be_checked()
    expect(page.locator(f"#verify-{fourth.pk}-excuse")).to_be_checked()
    expect(page.locator(f"#excuse-{fourth.pk}")).to_have_value("Survey vendor outage")
    expect(page.locator("#adjustment")).to_have_value("-1.5")
    expect(page.locator("#adjustment_reason")).to_have_value("Two late requirement reversals")
    expect(page.locator(f"#verification-{first.pk} .verification-confirmed")).to_be_visible()
    corrected = page.locator(f"#verification-{third.pk} .verification-corrected")
    expect(corrected).to_contain_text(re.compile(r"Corrected: [\d.]+ → 11"))
    expect(page.locator(f"#verification-{third.pk} .verification-confirmed")).to_have_count(0)
    actual = KpiActual.objects.get(review=review, item=third)
    assert actual.verified_value == 11
    assert actual.reported_value != 11
    accessible()
    screenshot("leader-review-saved")

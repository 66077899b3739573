"""The scorecard template editor on a phone: nothing scrolls sideways, each item row is
a stacked card whose fields keep their labels, and a refused save names the item."""

import pytest
from playwright.sync_api import expect

from kpis.models import ScorecardTemplate
from kpis.services import catalog_load
from tests.browser.conftest import SCREENSHOTS

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, demo_company, sign_in):
    catalog_load()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, "pan.yu")
    yield page
    context.close()


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_the_template_editor_fits_a_phone_and_its_item_fields_keep_labels(phone):
    template = ScorecardTemplate.objects.get(key="ecommerce")

    phone.goto(f"/scorecards/{template.pk}/")

    assert _overflow(phone) <= 1, f"the editor is {_overflow(phone)}px wider than the screen"
    threshold = phone.locator('input[name="kpis-0-threshold"]')
    expect(threshold).to_be_visible()
    box = threshold.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    expect(phone.locator('label[for="id_kpis-0-threshold"]')).to_be_visible()
    expect(phone.locator('label[for="id_competencies-0-weight"]')).to_be_visible()
    expect(phone.locator("#kpi-items thead")).not_to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=SCREENSHOTS / "template-editor-phone.png", full_page=True)


def test_a_bad_threshold_on_a_phone_is_named_after_saving(phone):
    template = ScorecardTemplate.objects.get(key="ecommerce")
    phone.goto(f"/scorecards/{template.pk}/")

    phone.locator('input[name="kpis-0-threshold"]').fill("12")
    phone.get_by_role("button", name="Save template").click()

    problems = phone.locator("#template-problems")
    expect(problems).to_contain_text(
        "GMV growth: the threshold must be below the target for a higher-is-better KPI"
    )
    expect(problems).to_contain_text("Nothing was saved")
    assert _overflow(phone) <= 1

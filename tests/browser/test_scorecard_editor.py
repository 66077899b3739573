"""An admin adapts a culture template in the browser and previews the effect."""

import re
from pathlib import Path

from playwright.sync_api import expect

from kpis.models import ScorecardTemplate
from kpis.services import catalog_load

SCENARIO = Path(__file__).resolve().parents[2] / "kpis" / "scenarios" / "ecommerce_quarter.json"


def test_admin_clones_ecommerce_moves_weight_to_competencies_saves_and_previews(
    page, demo_company, screenshot, sign_in
):
    catalog_load()
    sign_in(page, "pan.yu")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Scorecards"
    ).click()
    expect(page.get_by_role("heading", name="Scorecard templates")).to_be_visible()
    screenshot("template-list")

    page.get_by_role("button", name="Clone E-commerce (transaction-led)").click()

    expect(page.get_by_role("heading", name="Copy of E-commerce (transaction-led)")).to_be_visible()
    sections = page.locator('[data-sum="sections"]')
    expect(sections).to_have_text("Sum: 100 ✓")

    page.locator('input[name="settings-kpi_section_weight"]').fill("50")
    expect(sections).to_have_text("Sum: 80, must be 100")
    page.locator('input[name="settings-competency_section_weight"]').fill("50")
    expect(sections).to_have_text("Sum: 100 ✓")

    kpi_sum = page.locator('[data-sum="kpis"]')
    page.locator('input[name="kpis-0-weight"]').fill("25")
    expect(kpi_sum).to_have_text("Sum: 95, must be 100")
    page.locator('input[name="kpis-0-weight"]').fill("30")
    expect(kpi_sum).to_have_text("Sum: 100 ✓")
    screenshot("editor")

    page.locator('input[name="whatif-scenario"]').set_input_files(str(SCENARIO))
    page.get_by_role("button", name="Preview scores").click()
    results = page.locator("#whatif-results")
    expect(results).to_contain_text("liu.yang")
    expect(results.get_by_role("row", name=re.compile("liu.yang"))).to_contain_text("86.71")
    screenshot("what-if")
    clone = ScorecardTemplate.objects.get(key="ecommerce-copy")
    assert clone.kpi_section_weight == 70  # a preview saves nothing

    page.get_by_role("button", name="Save template").click()

    expect(page.get_by_role("alert").filter(has_text="saved")).to_be_visible()
    clone.refresh_from_db()
    assert (clone.kpi_section_weight, clone.competency_section_weight) == (50, 50)
    assert ScorecardTemplate.objects.get(key="ecommerce").kpi_section_weight == 70


def test_a_save_that_breaks_a_rule_is_refused_with_the_item_named(page, demo_company, sign_in):
    catalog_load()
    template = ScorecardTemplate.objects.get(key="tob_saas")
    sign_in(page, "pan.yu")
    page.goto(f"/scorecards/{template.pk}/")

    page.locator('input[name="kpis-4-threshold"]').fill("5")
    page.get_by_role("button", name="Save template").click()

    problems = page.locator("#template-problems")
    expect(problems).to_contain_text("Nothing was saved")
    name = template.kpi_items.get(kpi__key="support_tickets_per_1k_users").kpi.name
    expect(problems).to_contain_text(
        f"{name}: the threshold must be above the target for a lower-is-better KPI"
    )
    template.refresh_from_db()
    assert template.kpi_items.get(kpi__key="support_tickets_per_1k_users").threshold == 12

"""Irreversible actions ask first, saying what will happen (data-confirm, static/js/app.js):
cancelling changes nothing, accepting acts; a submit waiting for an autosave asks once."""

import re

from playwright.sync_api import expect

from reviews.models import Assessment, Cycle, Phase
from tests.builders import GROWTH_PMS, HR, build_cycle


def test_publishing_says_how_many_pms_it_tells_and_cancelling_does_nothing(
    page, people, screenshot, sign_in
):
    cycle = build_cycle(
        actor=people[HR], pms=[people[name] for name in GROWTH_PMS], phase=Phase.CALIBRATION
    )
    sign_in(page, "ye.qing")
    page.goto(f"/cycles/{cycle.pk}/")
    page.get_by_label(re.compile("Move on anyway")).check()  # no results computed

    page.get_by_role("button", name="Publish the results").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        "Publishing shows results to 4 PMs and e-mails them; it cannot be undone."
    )
    screenshot("publish-confirmation")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#cycle-phase")).to_have_text("Calibration")
    assert Cycle.objects.get(pk=cycle.pk).phase == Phase.CALIBRATION

    page.get_by_role("button", name="Publish the results").click()
    dialog.get_by_role("button", name="Publish the results").click()

    expect(page.locator("#cycle-phase")).to_have_text("Published")
    assert Cycle.objects.get(pk=cycle.pk).phase == Phase.PUBLISHED


def test_a_submit_waiting_for_an_autosave_asks_once_then_submits(page, people, sign_in):
    cycle = build_cycle(actor=people[HR], pms=[people["chen.lin"]], phase=Phase.SELF_ASSESSMENT)
    review = cycle.reviews.get()
    *first_items, item = cycle.competency_items.all()
    held = []

    def hold_the_first_autosave(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    sign_in(page, "chen.lin")
    page.goto(f"/reviews/{review.pk}/self/")
    for each in first_items:
        page.locator(f"#rating-{each.pk}-3").check()
    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    page.route("**/self/save/", hold_the_first_autosave)
    page.locator(f"#rating-{item.pk}-4").check()
    page.wait_for_function(
        "() => document.querySelector('#assessment-form').dataset.saving === '1'"
    )

    page.locator("#assessment-submit").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit (locks your answers)").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert Assessment.objects.get(review=review).submitted_at is None  # still waiting
    held[0].continue_()

    # Submitted without a second question (one would have held the submission back).
    expect(page.get_by_role("alert").first).to_contain_text("Submitted")
    assert Assessment.objects.get(review=review).submitted_at is not None
    assert Assessment.objects.get(review=review).ratings.get(competency=item).value == 4


def test_tabbing_onto_submit_autosaves_the_draft_without_submitting_it(page, people, sign_in):
    cycle = build_cycle(actor=people[HR], pms=[people["chen.lin"]], phase=Phase.SELF_ASSESSMENT)
    review = cycle.reviews.get()
    sign_in(page, "chen.lin")
    page.goto(f"/reviews/{review.pk}/self/")

    page.locator("#strengths").fill("Shipped onboarding v2")
    page.locator("#assessment-submit").focus()  # the field's change autosaves

    expect(page.locator("#save-status")).to_contain_text("Draft saved at")
    assessment = Assessment.objects.get(review=review)
    assert assessment.submitted_at is None
    assert assessment.strengths == "Shipped onboarding v2"

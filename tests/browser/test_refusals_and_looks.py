"""Forbidden paths get a clear refusal page; the main pages read well on a phone."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from reviews.demo import PAST_CYCLE, REVIEW_CYCLE, SELF_CYCLE
from reviews.models import Cycle, Review
from tests.browser.conftest import SCREENSHOTS


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {
        "review_cycle": Cycle.objects.get(name=REVIEW_CYCLE),
        "self_cycle": Cycle.objects.get(name=SELF_CYCLE),
        "past_cycle": Cycle.objects.get(name=PAST_CYCLE),
    }


def test_a_pm_opening_another_pms_review_is_refused(page, demo, screenshot, sign_in):
    other = Review.objects.get(cycle=demo["self_cycle"], person__user__username="sun.hao")
    sign_in(page, "wu.xia")

    response = page.goto(f"/reviews/{other.pk}/self/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Sun Hao")
    screenshot("refused-other-pm")


def test_a_peer_opening_the_results_is_refused(page, demo, screenshot, sign_in):
    sign_in(page, "luo.xin")

    response = page.goto(f"/cycles/{demo['past_cycle'].pk}/results/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="You are not allowed to see this page")).to_be_visible()
    expect(page.get_by_text("Only HR manages review cycles.")).to_be_visible()
    screenshot("refused-peer-results")


def test_a_leader_opening_another_teams_review_is_refused(page, demo, sign_in):
    commerce = Review.objects.get(cycle=demo["review_cycle"], person__user__username="liu.yang")
    sign_in(page, "zhou.min")

    response = page.goto(f"/reviews/{commerce.pk}/lead/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("wu.xia", "/"),
        ("wu.xia", "self-assessment"),
        ("chen.lin", "result"),
        ("ye.qing", "results"),
        ("zhou.min", "/team/"),
    ],
)
def test_main_pages_fit_a_phone_screen(
    browser, live_server, demo, username, path, request, sign_in
):

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, username)
    reviews = Review.objects.filter(person__user__username=username)
    if path == "self-assessment":
        path = f"/reviews/{reviews.get(cycle=demo['self_cycle']).pk}/self/"
    elif path == "result":
        path = f"/reviews/{reviews.get(cycle=demo['past_cycle']).pk}/result/"
    elif path == "results":
        path = f"/cycles/{demo['past_cycle'].pk}/results/"

    page.goto(path)

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path} is {overflow}px wider than a 390px screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{request.node.callspec.id}.png"), full_page=True)
    context.close()

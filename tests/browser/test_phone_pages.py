"""Every page, as each role opens it in the demo company, fits a 390 px phone: nothing
scrolls sideways (wide tables scroll inside their own box). A screenshot of each lands in
test-artifacts/screenshots/phone-<page>.png.

Not here: the leader's review page and the scorecard editor, which are walked by the
tests of their own pages."""

import io

import pytest
from django.core.management import call_command

from reviews.demo import PAST_CYCLE, REVIEW_CYCLE, SELF_CYCLE
from reviews.models import Cycle, PeerRequest, PeerRequestStatus, Review
from tests.browser.conftest import SCREENSHOTS

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {
        "review": Cycle.objects.get(name=REVIEW_CYCLE),
        "self": Cycle.objects.get(name=SELF_CYCLE),
        "past": Cycle.objects.get(name=PAST_CYCLE),
    }


def _review(demo, cycle: str, username: str) -> Review:
    return Review.objects.get(cycle=demo[cycle], person__user__username=username)


def _peer_request(demo) -> PeerRequest:
    return PeerRequest.objects.filter(
        review__cycle=demo["review"],
        peer__user__username="luo.xin",
        status__in=[PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED],
    ).first()


# (name, who opens it, where: a path, or a function of the demo cycles giving one)
PAGES = [
    ("home-hr", "ye.qing", "/"),
    ("home-pm", "wu.xia", "/"),
    ("home-leader", "zhou.min", "/"),
    ("home-peer", "luo.xin", "/"),
    ("home-admin", "pan.yu", "/"),
    ("cycle-list", "ye.qing", "/cycles/"),
    ("cycle-new", "ye.qing", "/cycles/new/"),
    ("cycle-in-review", "ye.qing", lambda demo: f"/cycles/{demo['review'].pk}/"),
    ("cycle-in-self-assessment", "ye.qing", lambda demo: f"/cycles/{demo['self'].pk}/"),
    ("cycle-results", "ye.qing", lambda demo: f"/cycles/{demo['past'].pk}/results/"),
    ("cycle-calibration", "ye.qing", lambda demo: f"/cycles/{demo['review'].pk}/results/"),
    ("cycle-audit", "ye.qing", lambda demo: f"/cycles/{demo['past'].pk}/audit/"),
    (
        "review-audit",
        "ye.qing",
        lambda demo: f"/reviews/{_review(demo, 'past', 'chen.lin').pk}/audit/",
    ),
    ("actuals-upload", "ye.qing", lambda demo: f"/cycles/{demo['self'].pk}/actuals/"),
    ("peers-pm", "wu.xia", lambda demo: f"/reviews/{_review(demo, 'self', 'wu.xia').pk}/peers/"),
    (
        "peers-leader",
        "zhou.min",
        lambda demo: f"/reviews/{_review(demo, 'review', 'chen.lin').pk}/peers/",
    ),
    ("peer-assessment", "luo.xin", lambda demo: f"/peer-requests/{_peer_request(demo).pk}/"),
    (
        "self-assessment",
        "wu.xia",
        lambda demo: f"/reviews/{_review(demo, 'self', 'wu.xia').pk}/self/",
    ),
    (
        "self-assessment-submitted",
        "chen.lin",
        lambda demo: f"/reviews/{_review(demo, 'review', 'chen.lin').pk}/self/",
    ),
    ("result", "chen.lin", lambda demo: f"/reviews/{_review(demo, 'past', 'chen.lin').pk}/result/"),
    ("my-results", "chen.lin", "/my/results/"),
    ("my-team", "zhou.min", "/team/"),
    ("team-cycle", "zhou.min", lambda demo: f"/cycles/{demo['review'].pk}/team/"),
    ("team-history", "zhou.min", "/team/history/"),
    ("people", "ye.qing", "/people/"),
    ("people-import", "ye.qing", "/people/import/"),
    ("template-list", "pan.yu", "/scorecards/"),
    ("template-import", "pan.yu", "/scorecards/import/"),
    ("kpi-catalog", "chen.lin", "/catalog/kpis/"),
    ("competency-catalog", "chen.lin", "/catalog/competencies/"),
    ("password-change", "chen.lin", "/accounts/password_change/"),
]


@pytest.mark.parametrize(
    ("username", "where"),
    [pytest.param(username, where, id=name) for name, username, where in PAGES],
)
def test_the_page_fits_a_phone_screen(
    browser, live_server, demo, username, where, request, sign_in
):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, username)
    path = where(demo) if callable(where) else where

    response = page.goto(path)

    assert response.status == 200, path
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                && !el.closest('.table-responsive'))
            .slice(0, 5).map((el) => el.tagName + '.' + el.className + '#' + el.id)"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{request.node.callspec.id}.png"), full_page=True)
    context.close()
    assert overflow <= 1, f"{path} is {overflow}px wider than a 390px screen: {wide}"

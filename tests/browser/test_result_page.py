"""The explained result in Chromium: the radar's labels stay inside the chart at desktop and
phone widths, and the page prints on one A4 page, in English and in Chinese (README)."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from reviews.demo import PAST_CYCLE
from reviews.models import Review


@pytest.fixture
def published_result(db):
    """The demo's published result of chen.lin (the past cycle)."""
    call_command("seed_demo", stdout=io.StringIO())
    return Review.objects.get(cycle__name=PAST_CYCLE, person__user__username="chen.lin")


def open_result(page, sign_in, review, *, base_url, language="en", width=1366) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "chen.lin")  # the sign-in form in English, then the page in `language`
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto(reverse("reviews:result_detail", args=[review.pk]))
    expect(page.locator("#final-score")).to_be_visible()


# Chart.js draws on a canvas: the radar scale keeps each point label's box (left, top,
# right, bottom, in canvas pixels) in `_pointLabelItems` once it has laid them out.
RADAR_LABEL_BOXES = """() => {
  const chart = Chart.getChart(document.getElementById("radar-chart"));
  return {
    width: chart.width,
    height: chart.height,
    boxes: chart.scales.r._pointLabelItems.map(
      (item) => [item.left, item.top, item.right, item.bottom]
    ),
  };
}"""


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_radar_labels_lie_inside_the_chart(
    page, live_server, sign_in, published_result, width, language
):
    open_result(
        page, sign_in, published_result, base_url=live_server.url, language=language, width=width
    )
    page.locator("#radar-chart").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const c = Chart.getChart(document.getElementById('radar-chart'));"
        " return c && c.scales.r._pointLabelItems && c.scales.r._pointLabelItems.length; }"
    )

    assert radar_labels_outside(page) == []


def radar_labels_outside(page) -> list:
    """The radar's label boxes that reach outside its canvas (none is an empty list)."""
    laid_out = page.evaluate(RADAR_LABEL_BOXES)
    assert laid_out["boxes"], "the radar shows no label"
    return [
        box
        for box in laid_out["boxes"]
        if box[0] < 0 or box[1] < 0 or box[2] > laid_out["width"] or box[3] > laid_out["height"]
    ]


def pdf_pages(pdf: bytes) -> int:
    """Page objects in the PDF ("/Type /Page", not the "/Type /Pages" tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_result_prints_on_one_a4_page(page, live_server, sign_in, published_result, language):
    open_result(page, sign_in, published_result, base_url=live_server.url, language=language)
    page.wait_for_function("() => Chart.getChart(document.getElementById('radar-chart'))")
    page.emulate_media(media="print")
    # the radar redraws in the printed scorecard's narrow column (print.css)
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('radar-chart')).width < 200"
    )

    pdf = page.pdf(format="A4", print_background=True)

    assert pdf_pages(pdf) == 1
    assert radar_labels_outside(page) == []

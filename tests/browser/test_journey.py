"""The whole journey in Chromium: every step on its own, and end to end in English and
Simplified Chinese, with a screenshot, an accessibility check and (in Chinese) an
untranslated-text check on every page."""

import pytest

from tests.browser.journey import Journey, company, setup_until


@pytest.fixture
def journey(page, screenshot, accessible, live_server):
    def make(language: str = "en") -> Journey:
        return Journey(
            page=page,
            language=language,
            screenshot=screenshot,
            accessible=accessible,
            base_url=live_server.url,
            people=company(),
        )

    return make


@pytest.mark.parametrize("step", Journey.STEPS)
def test_each_step_on_its_own(journey, step):
    walk = journey("en")
    setup_until(step, walk.people)

    getattr(walk, step)()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_whole_journey_end_to_end(journey, language):
    walk = journey(language)

    for step in Journey.STEPS:
        getattr(walk, step)()

"""The whole journey in Chromium: every step on its own, and end to end in English and
Simplified Chinese, with a screenshot, an accessibility check and (in Chinese) an
untranslated-text check on every page."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from appraisal.celery import app
from reviews import computation
from tests.browser.journey import Journey, setup_until
from tests.builders import demo_people

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def computation_worker(live_server, monkeypatch):
    """Computations go through a broker (Redis in CI, Celery's in-memory transport
    elsewhere) to a real Celery worker, slowed by 2 s so the journey watches the progress
    bar fill and finish."""

    original = computation.cycle_compute

    def slow_compute(**kwargs):
        time.sleep(2)
        return original(**kwargs)

    monkeypatch.setattr(computation, "cycle_compute", slow_compute)
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(
        task_always_eager=False,
        broker_url=BROKER_URL or "memory://",
        result_backend=BROKER_URL or "cache+memory://",
    )
    app.control.purge()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield True
    finally:
        app.conf.update(saved)


@pytest.fixture
def journey(page, screenshot, accessible, live_server, computation_worker):
    def make(language: str = "en") -> Journey:
        return Journey(
            page=page,
            language=language,
            screenshot=screenshot,
            accessible=accessible,
            base_url=live_server.url,
            people=demo_people(),
            has_worker=computation_worker,
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

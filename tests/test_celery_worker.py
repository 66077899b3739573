"""A task sent through a broker to a real Celery worker: Redis in CI (`.ci/run` sets
CELERY_BROKER_URL), Celery's in-memory transport elsewhere."""

import os
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from appraisal.celery import app as celery_app
from appraisal.tasks import email_people
from tests.factories import PersonFactory

# CI names its Redis; elsewhere the message still goes through Celery's in-memory
# transport to a worker thread, so the test runs (never skips) on any machine.
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def real_worker(transactional_db):

    saved = dict(celery_app.conf)
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=BROKER_URL or "memory://",
        result_backend=BROKER_URL or "cache+memory://",
    )
    _forget_backend()  # the app keeps the backend it made first, before this setting
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield celery_app
    finally:
        celery_app.conf.update(
            {key: saved[key] for key in ("task_always_eager", "broker_url", "result_backend")}
        )
        _forget_backend()


def _forget_backend() -> None:
    """Drop the app's cached result backend (Celery has no public way to), so the next
    use builds it from the current `result_backend` setting."""
    celery_app._backend_cache = None
    celery_app._local = threading.local()


@pytest.mark.celery_worker
def test_a_task_goes_through_the_broker_to_a_worker_that_reads_the_database(real_worker):
    with_address = PersonFactory(user__email="lin@example.com")
    without_address = PersonFactory(user__email="")

    result = email_people.delay(
        person_ids=[with_address.pk, without_address.pk], subject="Cycle opened", body="Hello"
    )

    assert result.get(timeout=30) == 1
    assert result.status == "SUCCESS"
    assert [message.to for message in mail.outbox] == [["lin@example.com"]]

"""A task sent through the real broker (Redis in CI) to a real Celery worker.

Skipped, with the reason printed, only when no broker is configured (CELERY_BROKER_URL);
`.ci/run` always configures one.
"""

import os

import pytest
from django.core import mail

from appraisal.celery import app as celery_app
from appraisal.tasks import email_people
from tests.factories import PersonFactory

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def real_worker(transactional_db):
    if not BROKER_URL:
        pytest.skip("no broker configured: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/15)")
    from celery.contrib.testing.worker import start_worker

    saved = dict(celery_app.conf)
    celery_app.conf.update(
        task_always_eager=False, broker_url=BROKER_URL, result_backend=BROKER_URL
    )
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield celery_app
    finally:
        celery_app.conf.update(
            {key: saved[key] for key in ("task_always_eager", "broker_url", "result_backend")}
        )


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

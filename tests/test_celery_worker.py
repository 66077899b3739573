"""A task sent through a broker to a real Celery worker: Redis in CI (`.ci/run` sets
CELERY_BROKER_URL), Celery's in-memory transport elsewhere."""

import os
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from appraisal.celery import app as celery_app
from appraisal.tasks import email_people
from reviews.models import JobStatus, Result
from reviews.tasks import compute_cycle
from tests.builders import load_into_cycle
from tests.factories import ComputationJobFactory, PersonFactory

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


@pytest.mark.celery_worker
def test_a_computation_through_a_worker_claims_its_job_under_a_lease_and_ends_it(real_worker):
    cycle, _reviews = load_into_cycle("worked_example")
    job = ComputationJobFactory(cycle=cycle)

    first = compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk)
    assert first.get(timeout=30) == 5
    again = compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk)  # a duplicate delivery
    assert again.get(timeout=30) == 0

    job.refresh_from_db()
    assert (job.status, job.progress) == (JobStatus.SUCCEEDED, 100)
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_a_killed_workers_computation_comes_back_and_no_live_run_is_duplicated():
    """The message of a computation whose process dies is given back (acknowledged only
    when the run ends); Redis gives an unacknowledged message to another worker only after
    any task would have hit its hard time limit, so a live run is never run twice."""
    conf = celery_app.conf
    assert (compute_cycle.acks_late, compute_cycle.reject_on_worker_lost) == (True, True)
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    longest = max(conf.task_time_limit, compute_cycle.time_limit)
    waiting = settings.COMPUTE_AFTER_SUBMISSION_SECONDS
    assert conf.broker_transport_options["visibility_timeout"] > longest + waiting

"""No computation job is stuck forever (issue 19, item 5): a job is held under a lease while
its run works; a job whose worker died is shown failed with the reason and Compute is
offered again, or a redelivered message takes it over; a dropped connection is written
through on a fresh one; results stay all-old or all-new."""

import os
import signal
import time
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from reviews import computation, services
from reviews.computation import lease_duration, run, writers
from reviews.models import ComputationJob, JobFailure, JobStatus, Result
from reviews.tasks import compute_cycle
from tests.builders import load_into_cycle, signed_in
from tests.factories import ComputationJobFactory, make_hr

pytestmark = pytest.mark.django_db


def results_of(cycle) -> list[tuple]:
    return list(
        Result.objects.filter(cycle=cycle)
        .order_by("review_id")
        .values_list("review_id", "final_score", "rank", "grade", "computed_at")
    )


def dead_job(cycle, *, silent_for: timedelta = timedelta(minutes=5)) -> ComputationJob:
    """A job left running by a worker last heard of `silent_for` ago."""
    heard = timezone.now() - silent_for
    return ComputationJobFactory(
        cycle=cycle,
        status=JobStatus.RUNNING,
        progress=40,
        stage="Scoring",
        started_at=heard - timedelta(seconds=5),
        lease_holder="a-worker-that-was-killed",
        lease_expires_at=heard + lease_duration(),
    )


@pytest.fixture
def computed():
    cycle, reviews = load_into_cycle("worked_example")
    run.cycle_compute(cycle_id=cycle.pk)
    return cycle, reviews


# ----------------------------------------------------------------------------- the page


def test_a_job_whose_worker_died_is_shown_failed_with_the_reason_and_compute_is_offered(
    computed,
):
    cycle, _reviews = computed
    job = dead_job(cycle)
    client = signed_in(make_hr(name="HR Lead"))

    progress = client.get(
        reverse("reviews:cycle_results_progress", args=[cycle.pk]), {"was": "running"}
    )
    page = client.get(reverse("reviews:cycle_results", args=[cycle.pk])).content.decode()

    job.refresh_from_db()
    assert (job.status, job.failure) == (JobStatus.FAILED, JobFailure.WORKER_LOST)
    heard = date_format(timezone.localtime(job.finished_at), "SHORT_DATETIME_FORMAT")
    said = f"The worker computing this stopped answering at {heard}; the results below"
    assert said in progress.content.decode()
    assert progress["HX-Refresh"] == "true"  # the page reloads: Compute is enabled again
    assert said in page
    assert 'hx-trigger="every 1s"' not in page  # no more polling
    assert 'type="submit" disabled' not in page
    assert "Compute again." in page


def test_a_live_job_keeps_running_and_polling(computed):
    cycle, _reviews = computed
    job = ComputationJobFactory(cycle=cycle, status=JobStatus.RUNNING, progress=40)

    page = signed_in(make_hr(name="HR Lead")).get(reverse("reviews:cycle_results", args=[cycle.pk]))

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert 'hx-trigger="every 1s"' in page.content.decode()


def test_a_running_job_from_before_leases_is_dead():
    cycle, _reviews = load_into_cycle("worked_example")
    started = timezone.now() - timedelta(hours=3)
    job = ComputationJobFactory(cycle=cycle, status=JobStatus.RUNNING, started_at=started)
    ComputationJob.objects.filter(pk=job.pk).update(lease_expires_at=None)

    assert services.computation_jobs_expire(cycle=cycle) == 1

    job.refresh_from_db()
    assert (job.status, job.failure, job.finished_at) == (
        JobStatus.FAILED,
        JobFailure.WORKER_LOST,
        started,
    )


# ----------------------------------------------------------------------- compute again


def test_compute_after_a_dead_job_queues_a_new_one_that_succeeds(
    computed, django_capture_on_commit_callbacks
):
    cycle, _reviews = computed
    dead = dead_job(cycle)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.compute_request(cycle=cycle)

    dead.refresh_from_db()
    job.refresh_from_db()
    assert job.pk != dead.pk
    assert (dead.status, dead.failure) == (JobStatus.FAILED, JobFailure.WORKER_LOST)
    assert (job.status, job.progress, job.participant_count) == (JobStatus.SUCCEEDED, 100, 5)
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_compute_sends_again_a_job_whose_message_was_lost(
    computed, django_capture_on_commit_callbacks
):
    """A job still queued a lease's length after it was asked for (its message lost with
    a broker's data): Compute sends another message instead of joining it for good."""
    cycle, _reviews = computed
    with django_capture_on_commit_callbacks(execute=False):  # the message never arrives
        lost = services.compute_request(cycle=cycle)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.compute_request(cycle=cycle).pk == lost.pk  # a moment later: joined
    assert callbacks == []
    ComputationJob.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - lease_duration() - timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        again = services.compute_request(cycle=cycle)

    lost.refresh_from_db()
    assert again.pk == lost.pk
    assert (lost.status, lost.progress) == (JobStatus.SUCCEEDED, 100)


# --------------------------------------------------------------------------- the claim


def test_a_second_claim_while_the_lease_is_live_is_refused_and_changes_nothing(computed):
    cycle, _reviews = computed
    job = ComputationJobFactory(cycle=cycle)
    first = computation.job_claim(job_id=job.pk)
    held = ComputationJob.objects.values_list("lease_holder", "lease_expires_at").get(pk=job.pk)
    before = results_of(cycle)

    assert first is not None
    assert computation.job_claim(job_id=job.pk) is None
    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 0  # exits quietly

    job.refresh_from_db()
    assert (job.status, job.lease_holder, job.lease_expires_at) == (JobStatus.RUNNING, *held)
    assert job.lease_holder == first.holder
    assert results_of(cycle) == before


def test_a_redelivered_message_takes_over_a_job_whose_worker_died(computed):
    cycle, _reviews = computed
    job = dead_job(cycle)

    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 5

    job.refresh_from_db()
    assert (job.status, job.progress, job.failure) == (JobStatus.SUCCEEDED, 100, "")
    assert job.lease_holder != "a-worker-that-was-killed"


def test_a_message_back_while_its_dead_runs_lease_is_live_looks_again_once_it_ends(
    computed, monkeypatch
):
    """Only the pool process running the job was killed: its message comes back at once,
    while the dead run's lease is still live. It looks again when the lease has run out,
    and takes the job over then; a live run is not waited on twice."""
    cycle, _reviews = computed
    job = dead_job(cycle, silent_for=timedelta(seconds=0))  # its lease is still live
    later = []
    monkeypatch.setattr(compute_cycle, "apply_async", lambda **message: later.append(message))

    assert compute_cycle.apply(kwargs={"cycle_id": cycle.pk, "job_id": job.pk}).get() == 0

    [message] = later
    assert message["kwargs"] == {"cycle_id": cycle.pk, "job_id": job.pk, "after_lease": True}
    assert (
        lease_duration().total_seconds()
        <= message["countdown"]
        <= (lease_duration().total_seconds() + 2)
    )
    ComputationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
    assert compute_cycle.apply(kwargs=message["kwargs"]).get() == 5
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED

    live = ComputationJobFactory(cycle=cycle, status=JobStatus.RUNNING)
    assert compute_cycle.apply(kwargs={**message["kwargs"], "job_id": live.pk}).get() == 0
    assert len(later) == 1  # not waited on again
    live.refresh_from_db()
    assert live.status == JobStatus.RUNNING


def test_a_run_whose_job_was_taken_over_writes_nothing(computed, monkeypatch):
    """Its lease expired mid-run (a stalled machine) and another run took the job: this
    one stops before writing and leaves the job to its new holder."""
    cycle, _reviews = computed
    before = results_of(cycle)
    job = ComputationJobFactory(cycle=cycle)
    real_positions = run.result_positions

    def taken_over_while_scoring(*args):
        ComputationJob.objects.filter(pk=job.pk).update(lease_holder="the-new-holder")
        return real_positions(*args)

    monkeypatch.setattr(run, "result_positions", taken_over_while_scoring)

    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 0

    job.refresh_from_db()
    assert (job.status, job.lease_holder) == (JobStatus.RUNNING, "the-new-holder")
    assert results_of(cycle) == before


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_long_step_works(settings):
    cycle, _reviews = load_into_cycle("worked_example")
    settings.COMPUTATION_LEASE_SECONDS = 1  # a beat every third of a second
    lease = computation.job_claim(job_id=ComputationJobFactory(cycle=cycle).pk)
    claimed_until = ComputationJob.objects.get(pk=lease.job_id).lease_expires_at

    with computation.job_heartbeat(lease):
        time.sleep(1.5)  # longer than the lease: only the heartbeat keeps the job alive
        renewed_until = ComputationJob.objects.get(pk=lease.job_id).lease_expires_at

    assert renewed_until > claimed_until + timedelta(seconds=0.5)
    assert services.computation_jobs_expire(cycle=cycle) == 0
    assert not lease.lost.is_set()


# ------------------------------------------------------------------- a scoring process


@pytest.mark.parametrize("death", ["kill", "exit"])
def test_a_killed_scoring_process_fails_the_job_instead_of_hanging(
    computed, monkeypatch, settings, death
):
    cycle, _reviews = computed
    before = results_of(cycle)
    settings.COMPUTATION_PROCESSES = 2
    monkeypatch.setattr(run, "PARALLEL_FROM", 2)
    parent = os.getpid()
    real_score_part = run._score_part

    def dying_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            if death == "kill":
                os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer does
            os._exit(1)
        return real_score_part(*args, **kwargs)

    monkeypatch.setattr(run, "_score_part", dying_in_the_child)
    job = ComputationJobFactory(cycle=cycle)
    signal.alarm(60)  # a hang here would otherwise stop the whole run
    try:
        with pytest.raises(computation.ScoringProcessLostError):
            compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk)
    finally:
        signal.alarm(0)

    job.refresh_from_db()
    assert (job.status, job.failure) == (JobStatus.FAILED, JobFailure.SCORING_PROCESS_LOST)
    assert results_of(cycle) == before
    page = signed_in(make_hr(name="HR Lead")).get(reverse("reviews:cycle_results", args=[cycle.pk]))
    assert "A scoring process ended without a result" in page.content.decode()


# ------------------------------------------------------------------ a dropped connection


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_while_scoring_is_written_through_on_a_fresh_one(monkeypatch):
    cycle, _reviews = load_into_cycle("worked_example")
    job = ComputationJobFactory(cycle=cycle)
    monkeypatch.setattr(run, "WRITE_RETRY_SECONDS", 0)
    writes = []

    def dropped_once(write):
        def writing(*args):
            writes.append(write.__name__)
            if len(writes) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return write(*args)

        return writing

    monkeypatch.setattr(run, "results_copy", dropped_once(run.results_copy))
    monkeypatch.setattr(run, "results_upsert", dropped_once(run.results_upsert))

    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 5

    job.refresh_from_db()
    assert len(writes) == 2
    assert (job.status, job.progress) == (JobStatus.SUCCEEDED, 100)
    assert Result.objects.filter(cycle=cycle).exclude(final_score=None).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_write_that_keeps_failing_leaves_the_previous_results_whole(monkeypatch):
    """All old or all new: every try breaks half-way through the rows, after some have
    gone out; the previous results stay exactly as they were and the job says why."""
    cycle, reviews = load_into_cycle("worked_example")
    run.cycle_compute(cycle_id=cycle.pk)
    before = results_of(cycle)
    reviews["lin"].adjustment = 5
    reviews["lin"].adjustment_reason = "late change"
    reviews["lin"].save(update_fields=["adjustment", "adjustment_reason"])
    job = ComputationJobFactory(cycle=cycle)
    monkeypatch.setattr(run, "WRITE_RETRY_SECONDS", 0)
    real_values = writers._result_values

    def dropping_after_three(*args):
        for count, values in enumerate(real_values(*args)):
            if count == 3:
                raise OperationalError("the connection dropped")
            yield values

    monkeypatch.setattr(writers, "_result_values", dropping_after_three)

    message = {"kwargs": {"cycle_id": cycle.pk, "job_id": job.pk}, "task_id": "compute-1"}

    with pytest.raises(Retry):  # each write tried on a fresh connection, then the task
        compute_cycle.apply(**message)
    handed = ComputationJob.objects.get(pk=job.pk)
    assert (handed.status, handed.lease_holder) == (JobStatus.RUNNING, "retry:compute-1")
    assert handed.stage.startswith("retrying after a database error")
    with pytest.raises(OperationalError, match="the connection dropped"):
        compute_cycle.apply(**message, retries=compute_cycle.max_retries)  # the last try

    job.refresh_from_db()
    assert (job.status, job.failure, job.error) == (
        JobStatus.FAILED,
        JobFailure.ERROR,
        "the connection dropped",
    )
    assert results_of(cycle) == before

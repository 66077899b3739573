"""Celery tasks of review cycles: thin, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import notifications


@shared_task(soft_time_limit=300, time_limit=360)
def send_deadline_reminders() -> int:
    """Daily: remind everyone who still owes a submission two days before its deadline.

    Each person is reminded once per cycle and phase (a ReminderSent row), so running it
    twice, or after a crash, sends nothing twice.
    """
    return notifications.deadline_reminders_send()


@shared_task(bind=True, max_retries=3, soft_time_limit=600, time_limit=660, acks_late=True)
def compute_cycle(self, *, cycle_id: int, job_id: int | None = None) -> int:
    """Compute a cycle's results (see reviews.computation). Idempotent: the job is claimed
    before it runs, so a duplicate delivery does nothing, and rerunning writes the same
    results. Transient database errors are retried (3 times, backing off); any other
    error fails the job with its message and leaves the previous results in place."""
    from django.db import OperationalError
    from django.utils import timezone

    from .computation import _set_job, cycle_compute
    from .models import ComputationJob, JobStatus

    if job_id is not None:
        # Only a queued job can be claimed (a retry resumes its own running job), so two
        # messages for one job never run it twice.
        claimable = [JobStatus.QUEUED]
        if self.request.retries:
            claimable.append(JobStatus.RUNNING)
        claimed = ComputationJob.objects.filter(pk=job_id, status__in=claimable).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), error=""
        )
        if not claimed:
            return 0  # claimed by another message, or already finished: nothing to do
    try:
        count = cycle_compute(cycle_id=cycle_id, job_id=job_id)
    except OperationalError as error:
        if self.request.retries < self.max_retries:
            _set_job(job_id, stage=f"retrying after a database error: {error}"[:100])
            raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
        _set_job(job_id, status=JobStatus.FAILED, error=str(error), finished_at=timezone.now())
        raise
    except Exception as error:
        _set_job(
            job_id,
            status=JobStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    _set_job(job_id, status=JobStatus.SUCCEEDED, progress=100, stage="", finished_at=timezone.now())
    return count


@shared_task(soft_time_limit=120, time_limit=180)
def compute_open_cycles() -> int:
    """Nightly period scores: queue a computation of every cycle in review or calibration."""
    from .computation import compute_request
    from .models import Cycle, JobTrigger, Phase

    cycles = Cycle.objects.filter(phase__in=[Phase.REVIEW, Phase.CALIBRATION])
    for cycle in cycles:
        compute_request(cycle=cycle, trigger=JobTrigger.NIGHTLY)
    return len(cycles)

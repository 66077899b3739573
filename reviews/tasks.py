"""Celery tasks of review cycles: thin, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from reviews import computation, notifications, services
from reviews.models import Cycle, JobTrigger, Phase


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
    if job_id is not None and not computation.job_claim(
        job_id=job_id, retrying=bool(self.request.retries)
    ):
        return 0  # claimed by another message, or already finished: nothing to do
    try:
        count = computation.cycle_compute(cycle_id=cycle_id, job_id=job_id)
    except OperationalError as error:
        if self.request.retries < self.max_retries:
            computation.job_retrying(job_id=job_id, error=error)
            raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
        computation.job_fail(job_id=job_id, error=str(error))
        raise
    except Exception as error:
        computation.job_fail(job_id=job_id, error=f"{type(error).__name__}: {error}")
        raise
    computation.job_succeed(job_id=job_id)
    return count


@shared_task(soft_time_limit=120, time_limit=180)
def compute_open_cycles() -> int:
    """Nightly period scores: queue a computation of every cycle in review or calibration."""
    cycles = Cycle.objects.filter(phase__in=[Phase.REVIEW, Phase.CALIBRATION])
    for cycle in cycles:
        services.compute_request(cycle=cycle, trigger=JobTrigger.NIGHTLY)
    return len(cycles)

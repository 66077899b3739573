"""Requesting a computation: a job row, and the task that runs it after the caller's
transaction commits.

The task is sent by its registered name: `reviews.tasks` calls the services (the nightly
run requests computations through here), so this module cannot import it."""

from __future__ import annotations

from celery import current_app
from django.db import IntegrityError, transaction

from reviews.models import ComputationJob, Cycle, JobStatus, JobTrigger

COMPUTE_TASK = "reviews.tasks.compute_cycle"


def _send(*, cycle_id: int, job_id: int, countdown: int = 0) -> None:
    # Registered when the reviews app is ready (ReviewsConfig.ready).
    current_app.tasks[COMPUTE_TASK].apply_async(
        kwargs={"cycle_id": cycle_id, "job_id": job_id}, countdown=countdown
    )


def compute_request(
    *, cycle: Cycle, trigger: str = JobTrigger.MANUAL, requested_by=None, countdown: int = 0
) -> ComputationJob:
    """Queue a computation of the cycle, or join the one already waiting (coalescing a
    burst of triggers into one run). The task starts after the caller's transaction."""
    waiting = ComputationJob.objects.filter(cycle=cycle, status=JobStatus.QUEUED).first()
    if waiting is not None:
        expedite = countdown == 0 and trigger == JobTrigger.MANUAL
        if expedite and waiting.trigger != JobTrigger.MANUAL:
            # HR asked now: start the waiting job now rather than when its delay ends. The
            # first message to arrive claims the job; the delayed one then finds it done.
            ComputationJob.objects.filter(pk=waiting.pk).update(
                trigger=JobTrigger.MANUAL, requested_by=requested_by
            )
            waiting.trigger = JobTrigger.MANUAL
            transaction.on_commit(lambda: _send(cycle_id=cycle.pk, job_id=waiting.pk))
        return waiting
    try:
        with transaction.atomic():
            job = ComputationJob.objects.create(
                cycle=cycle, trigger=trigger, requested_by=requested_by
            )
    except IntegrityError:  # another request queued one a moment ago: join it
        return ComputationJob.objects.get(cycle=cycle, status=JobStatus.QUEUED)
    transaction.on_commit(lambda: _send(cycle_id=cycle.pk, job_id=job.pk, countdown=countdown))
    return job

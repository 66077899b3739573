"""Requesting a computation: a job row, and the task that runs it after the caller's
transaction commits.

The task is sent by its registered name: `reviews.tasks` calls the services (the nightly
run requests computations through here), so this module cannot import it."""

from __future__ import annotations

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from reviews.computation import lease_duration
from reviews.models import ComputationJob, Cycle, JobFailure, JobStatus, JobTrigger

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
    burst of triggers into one run). The task starts after the caller's transaction. A
    job whose worker died is marked failed first, so it never stands in the way."""
    computation_jobs_expire(cycle=cycle)
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
        elif expedite and waiting.created_at < timezone.now() - lease_duration():
            # HR asks again for a job still unclaimed after a lease's length: its message
            # may be lost (a broker emptied or restored from an old snapshot). Send
            # another: the first to arrive claims the job, any other finds it taken.
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


@transaction.atomic
def computation_jobs_expire(*, cycle: Cycle) -> int:
    """Mark failed the cycle's running jobs whose lease has expired (their worker was
    killed or lost the database: nothing else would ever end them), saying when their
    worker was last heard of; return how many. Called by whoever reads the jobs (the
    results page, its progress bar, compute_request); a run that renews its lease in the
    meantime keeps its job (the update is conditional on the expiry it read).

    Jobs record their changes on their own row, not in the audit trail (as every job
    status change does: reviews.computation.jobs)."""
    now = timezone.now()
    dead = ComputationJob.objects.filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now),
        cycle=cycle,
        status=JobStatus.RUNNING,
    ).values_list("pk", "lease_expires_at", "started_at")
    count = 0
    for pk, expired_at, started_at in dead:
        # Last heard of: its last renewal (a job from before leases: when it started).
        heard = expired_at - lease_duration() if expired_at else started_at or now
        count += ComputationJob.objects.filter(
            pk=pk, status=JobStatus.RUNNING, lease_expires_at=expired_at
        ).update(
            status=JobStatus.FAILED,
            failure=JobFailure.WORKER_LOST,
            error="",
            finished_at=heard,
        )
    return count

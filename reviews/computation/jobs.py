"""Requesting a computation: a job row, and the task that runs it after the caller's
transaction commits."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from reviews.models import ComputationJob, Cycle, JobStatus, JobTrigger


def computation_request(
    *, cycle: Cycle, trigger: str = JobTrigger.MANUAL, requested_by=None, countdown: int = 0
) -> ComputationJob:
    """Queue a computation of the cycle, or join the one already waiting (coalescing a
    burst of triggers into one run). The task starts after the caller's transaction."""
    # reviews.tasks runs what this service queues, through this package: importing it at
    # the top would make each module need the other to load first.
    from reviews.tasks import compute_cycle

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
            transaction.on_commit(
                lambda: compute_cycle.apply_async(
                    kwargs={"cycle_id": cycle.pk, "job_id": waiting.pk}
                )
            )
        return waiting
    try:
        with transaction.atomic():
            job = ComputationJob.objects.create(
                cycle=cycle, trigger=trigger, requested_by=requested_by
            )
    except IntegrityError:  # another request queued one a moment ago: join it
        return ComputationJob.objects.get(cycle=cycle, status=JobStatus.QUEUED)
    transaction.on_commit(
        lambda: compute_cycle.apply_async(
            kwargs={"cycle_id": cycle.pk, "job_id": job.pk}, countdown=countdown
        )
    )
    return job


# The name callers and tests know it by; `computation_request` is the <noun>_<verb> name a
# services package re-exports.
compute_request = computation_request

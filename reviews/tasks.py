"""Celery tasks of review cycles: thin, idempotent, taking ids."""

from __future__ import annotations

from math import ceil

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reviews import computation, notifications, services
from reviews.models import Cycle, JobFailure, JobTrigger, Phase


@shared_task(soft_time_limit=300, time_limit=360)
def send_deadline_reminders() -> int:
    """Daily: remind everyone who still owes a submission two days before its deadline.

    Each person is reminded once per cycle and phase (a ReminderSent row), so running it
    twice, or after a crash, sends nothing twice.
    """
    return notifications.deadline_reminders_send()


# acks_late: the message is acknowledged when the run ends, not when it starts, so a
# worker that dies mid-run (killed, out of memory, its machine gone) leaves it to be
# delivered again (on Redis, after the broker's visibility timeout: settings).
# reject_on_worker_lost: the same when only the pool process running it dies. Given back
# at once, the message finds the dead run's lease still live: it sends one look for when
# the lease has run out (_after_the_lease), which takes the job over (job_claim), unless
# the page has marked it failed first and HR computes again. A run that kills its
# process every time cannot loop: the second look's own message, given back, only stops.
# Time limits: the soft one ends a run that hangs with a failed job; the hard one kills
# the process if even that does not return (the lease then expires).
@shared_task(
    bind=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
    acks_late=True,
    reject_on_worker_lost=True,
)
def compute_cycle(
    self, *, cycle_id: int, job_id: int | None = None, after_lease: bool = False
) -> int:
    """Compute a cycle's results (see reviews.computation). Idempotent: the job is claimed
    under a lease before it runs, so a duplicate delivery does nothing while the run
    lives, and rerunning writes the same results. Transient database errors are retried
    (3 times, backing off), the write itself first on a fresh connection; any other error
    fails the job with its message and leaves the previous results in place."""
    lease = None
    if job_id is not None:
        # A retry takes over the job its previous attempt handed to it (job_retrying).
        lease = computation.job_claim(
            job_id=job_id, handover=_handover(self) if self.request.retries else ""
        )
        if lease is None:
            if not after_lease:
                _after_the_lease(self, cycle_id=cycle_id, job_id=job_id)
            return 0  # held by a live run, or already finished: nothing to do
    try:
        with computation.job_heartbeat(lease):
            count = computation.cycle_compute(cycle_id=cycle_id, lease=lease)
    except computation.LeaseLostError:
        return 0  # the job expired and was taken over or failed: not this run's to end
    except (OperationalError, InterfaceError) as error:
        if self.request.retries < self.max_retries:
            countdown = 2 ** (self.request.retries + 1)
            computation.job_retrying(
                lease=lease, error=error, countdown=countdown, handover=_handover(self)
            )
            raise self.retry(exc=error, countdown=countdown) from error
        computation.job_fail(lease=lease, error=str(error))
        raise
    except computation.ScoringProcessLostError as error:
        computation.job_fail(lease=lease, error=str(error), failure=JobFailure.SCORING_PROCESS_LOST)
        raise
    except Exception as error:
        computation.job_fail(lease=lease, error=f"{type(error).__name__}: {error}")
        raise
    return count


def _after_the_lease(task, *, cycle_id: int, job_id: int) -> None:
    """The job is held by another run: look again once its lease has run out. When only
    the pool process running a job is killed, its message comes back at once, while the
    dead run's lease is still live; looking again then takes the job over and finishes
    it. If the other run is alive, it will have renewed its lease or ended by then, and
    this message stops for good (once: a live run is never waited on twice)."""
    left = computation.job_lease_left(job_id=job_id)
    if left is not None:
        task.apply_async(
            kwargs={"cycle_id": cycle_id, "job_id": job_id, "after_lease": True},
            countdown=ceil(left) + 1,
        )


def _handover(task) -> str:
    """The holder a run hands its job to when it retries: its message's retry."""
    return f"retry:{task.request.id}"


@shared_task(soft_time_limit=120, time_limit=180)
def compute_open_cycles() -> int:
    """Nightly period scores: queue a computation of every cycle in review or calibration."""
    cycles = Cycle.objects.filter(phase__in=[Phase.REVIEW, Phase.CALIBRATION])
    for cycle in cycles:
        services.compute_request(cycle=cycle, trigger=JobTrigger.NIGHTLY)
    return len(cycles)

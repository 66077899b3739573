"""A computation's job row: claimed under a lease, renewed while the run works, ended as
succeeded or failed.

A worker can die without a word (killed, out of memory, its machine gone): nothing would
then ever end its job, and the page would poll a "running" job forever. So the run that
claims a job holds it under a lease (`lease_holder`, a token per claim, and
`lease_expires_at`), renews it with each progress write and from a heartbeat thread while a
long step works, and writes the job's end only while it still holds it. A running job whose
lease has expired is dead: a reader marks it failed (`services.computation_jobs_expire`)
or a redelivered message takes it over (`job_claim`).

Job rows are written here and nowhere else; like before, a job's changes are recorded on
its own row (status, error, times), not in the audit trail, which holds what people did.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from reviews.models import ComputationJob, JobFailure, JobStatus


class LeaseLostError(Exception):
    """The run no longer holds its job: its lease expired and the job was taken over by
    another message or marked failed. The run stops without writing anything."""


def lease_duration() -> timedelta:
    """How long a job stays alive without a renewal (settings.COMPUTATION_LEASE_SECONDS)."""
    return timedelta(seconds=settings.COMPUTATION_LEASE_SECONDS)


@dataclass
class JobLease:
    """A claimed job, held by `holder` while the lease is renewed."""

    job_id: int
    holder: str
    lost: threading.Event = field(default_factory=threading.Event)

    def _held(self):
        return ComputationJob.objects.filter(
            pk=self.job_id, status=JobStatus.RUNNING, lease_holder=self.holder
        )

    def renew(self, **fields) -> bool:
        """Extend the lease, writing `fields` with it; False (and `lost` set) when the job is
        no longer ours."""
        if self._held().update(lease_expires_at=timezone.now() + lease_duration(), **fields):
            return True
        self.lost.set()
        return False


def job_claim(*, job_id: int, handover: str = "") -> JobLease | None:
    """Take the job, in one conditional UPDATE, when it is queued or running with an expired
    lease (its worker died: a redelivered message takes over), or when its run handed it
    to `handover` (a retry of that run); None otherwise (a live run holds it, or it has
    ended), so two deliveries of one job never run it at the same time."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now),
        status=JobStatus.RUNNING,
    )
    if handover:
        claimable |= Q(status=JobStatus.RUNNING, lease_holder=handover)
    lease = JobLease(job_id=job_id, holder=uuid.uuid4().hex)
    claimed = ComputationJob.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        progress=0,
        stage="",
        error="",
        failure="",
        lease_holder=lease.holder,
        lease_expires_at=now + lease_duration(),
    )
    return lease if claimed else None


def job_lease_left(*, job_id: int) -> float | None:
    """Seconds until the lease of the running job ends (0 when it has), or None when the
    job is not running."""
    expires = (
        ComputationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING)
        .values_list("lease_expires_at", flat=True)
        .first()
    )
    if expires is None:
        return None
    return max(0.0, (expires - timezone.now()).total_seconds())


def job_progress(*, lease: JobLease | None, progress: int, stage: str, **fields) -> None:
    """Show how far a run has come on its job row, renewing the lease (no lease: a run
    without a job). Raises LeaseLostError when the job is no longer this run's."""
    if lease is not None and not lease.renew(progress=progress, stage=stage, **fields):
        raise LeaseLostError


def job_hold(*, lease: JobLease | None) -> None:
    """Inside the results' transaction, before the write: lock the job row and make sure it
    is still this run's (LeaseLostError if not), so a run that lost its job writes nothing and
    no reader or claimant changes the job until the results and its end are committed."""
    if lease is not None and not list(lease._held().select_for_update().values_list("pk")):
        raise LeaseLostError


def job_succeed(*, lease: JobLease | None) -> None:
    """The run wrote its results: in their transaction, so the job ends with them."""
    if lease is not None:
        lease._held().update(
            status=JobStatus.SUCCEEDED, progress=100, stage="", finished_at=timezone.now()
        )


def job_retrying(*, lease: JobLease | None, error: Exception, countdown: int, handover: str):
    """The run will be tried again after `error`: say so on the job row, and hand the job to
    the retry (`handover`), keeping it alive until the retry can claim it."""
    if lease is not None:
        _on_a_usable_connection()
        lease._held().update(
            stage=f"retrying after a database error: {error}"[:100],
            lease_holder=handover,
            lease_expires_at=timezone.now() + timedelta(seconds=countdown) + lease_duration(),
        )


def job_fail(*, lease: JobLease | None, error: str, failure: str = JobFailure.ERROR) -> None:
    """The run failed: the job says why; the previous results stay in place."""
    if lease is not None:
        _on_a_usable_connection()
        lease._held().update(
            status=JobStatus.FAILED, failure=failure, error=error, finished_at=timezone.now()
        )


def _on_a_usable_connection() -> None:
    """After a database error outside a transaction, drop the connection if it is broken,
    so the job's end is written on a fresh one instead of failing in turn."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


@contextmanager
def job_heartbeat(lease: JobLease | None) -> Iterator[None]:
    """Renew the lease every third of its duration from a thread, for as long as the run
    works: a long step (scoring thousands of PMs, writing their results) never writes
    progress, and a run is alive exactly as long as its process is. The thread has its
    own database connection and closes it when done."""
    if lease is None:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(lease, stop), name=f"job-{lease.job_id}-lease", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat(lease: JobLease, stop: threading.Event) -> None:
    try:
        while not stop.wait(lease_duration().total_seconds() / 3):
            try:
                if not lease.renew():
                    return  # taken over or failed: the run stops at its next step
            except DatabaseError:
                # A dropped connection (or SQLite busy with the results' write): try
                # again on a fresh connection at the next beat; the lease lasts three.
                connection.close()
    finally:
        connection.close()

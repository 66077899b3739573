"""A cycle's computation: its inputs (`inputs`), the run that scores, ranks and grades
everyone (`run`), the write of the results (`writers`), and its job row under a lease
(`jobs`). Requesting a run is a service: `reviews.services.compute_request`."""

from .inputs import READ_CHUNK, cycle_inputs
from .jobs import (
    JobLease,
    LeaseLostError,
    job_claim,
    job_fail,
    job_heartbeat,
    job_lease_left,
    job_progress,
    job_retrying,
    job_succeed,
    lease_duration,
)
from .run import PARALLEL_FROM, ScoringProcessLostError, cycle_compute
from .writers import RESULT_COLUMNS, RESULT_FIELDS, RESULTS_LOCK

__all__ = [
    "PARALLEL_FROM",
    "READ_CHUNK",
    "RESULTS_LOCK",
    "RESULT_COLUMNS",
    "RESULT_FIELDS",
    "JobLease",
    "LeaseLostError",
    "ScoringProcessLostError",
    "cycle_compute",
    "cycle_inputs",
    "job_claim",
    "job_fail",
    "job_heartbeat",
    "job_lease_left",
    "job_progress",
    "job_retrying",
    "job_succeed",
    "lease_duration",
]

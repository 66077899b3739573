"""A cycle's computation: its inputs (`inputs`), the run that scores, ranks and grades
everyone (`run`), the write of the results (`writers`), and the request that queues a run
(`jobs`)."""

from .inputs import READ_CHUNK, cycle_inputs
from .jobs import computation_request, compute_request
from .run import (
    PARALLEL_FROM,
    cycle_compute,
    job_claim,
    job_fail,
    job_progress,
    job_retrying,
    job_succeed,
)
from .writers import RESULT_COLUMNS, RESULT_FIELDS, RESULTS_LOCK

__all__ = [
    "PARALLEL_FROM",
    "READ_CHUNK",
    "RESULTS_LOCK",
    "RESULT_COLUMNS",
    "RESULT_FIELDS",
    "computation_request",
    "compute_request",
    "cycle_compute",
    "cycle_inputs",
    "job_claim",
    "job_fail",
    "job_progress",
    "job_retrying",
    "job_succeed",
]

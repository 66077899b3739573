"""A cycle's computation: its inputs (`inputs`), the run that scores, ranks and grades
everyone (`run`), the write of the results (`writers`), and the status of its job (`run`).
Requesting a run is a service: `reviews.services.compute_request`."""

from .inputs import READ_CHUNK, cycle_inputs
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
    "cycle_compute",
    "cycle_inputs",
    "job_claim",
    "job_fail",
    "job_progress",
    "job_retrying",
    "job_succeed",
]

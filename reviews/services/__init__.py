"""Writes and state changes of review cycles, by noun. Each is one transaction that checks
first, writes with `update_fields`, records its audit entry (`reviews.audit`) and sends
e-mail only after commit."""

from .actuals import (
    ActualInput,
    Verification,
    Verify,
    actual_problems,
    actuals_report,
    actuals_verify,
)
from .assessments import (
    PHASE_OF_ROLE,
    TEXT_FIELDS,
    assessment_get_or_create,
    assessment_reopen,
    assessment_save,
)
from .common import (
    EditConflict,
    PhaseBlocked,
    ReviewError,
    assessment_closed_reason,
    assessment_deadline,
    email_on_commit,
    is_peer_window_open,
    names_listed,
    review_conflict,
    within_deadline,
)
from .computations import computation_jobs_expire, compute_request
from .cycles import (
    PEER_FEEDBACK,
    cycle_advance,
    cycle_blockers,
    cycle_create,
    cycle_extend_deadline,
    cycle_open,
    next_phase,
    notify_opened,
    peer_deadline_problem,
)
from .leader_reviews import Adjustment, UnverifiedActuals, leader_review_save
from .participants import cycle_add_participants, cycle_remove_participant
from .peers import (
    MAX_PEERS,
    MIN_PEERS,
    peer_nominations_set,
    peer_request_decline,
    peer_requests_approve,
)
from .results import cycle_grades, result_acknowledge, result_calibrate

__all__ = [
    "MAX_PEERS",
    "MIN_PEERS",
    "PEER_FEEDBACK",
    "PHASE_OF_ROLE",
    "TEXT_FIELDS",
    "ActualInput",
    "Adjustment",
    "EditConflict",
    "PhaseBlocked",
    "ReviewError",
    "UnverifiedActuals",
    "Verification",
    "Verify",
    "actual_problems",
    "actuals_report",
    "actuals_verify",
    "assessment_closed_reason",
    "assessment_deadline",
    "assessment_get_or_create",
    "assessment_reopen",
    "assessment_save",
    "computation_jobs_expire",
    "compute_request",
    "cycle_add_participants",
    "cycle_advance",
    "cycle_blockers",
    "cycle_create",
    "cycle_extend_deadline",
    "cycle_grades",
    "cycle_open",
    "cycle_remove_participant",
    "email_on_commit",
    "is_peer_window_open",
    "leader_review_save",
    "names_listed",
    "next_phase",
    "notify_opened",
    "peer_deadline_problem",
    "peer_nominations_set",
    "peer_request_decline",
    "peer_requests_approve",
    "result_acknowledge",
    "result_calibrate",
    "review_conflict",
    "within_deadline",
]

"""The review cycle's models, one module per noun; every model is here too."""

from reviews.models.assessments import (
    Assessment,
    AssessmentRole,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    Rating,
    Reopening,
    Review,
)
from reviews.models.audit import AuditAction, AuditEntry
from reviews.models.cycles import (
    PHASE_ORDER,
    Cycle,
    CycleCompetency,
    CycleKpi,
    PeriodKind,
    Phase,
    PhaseChange,
    ReminderSent,
)
from reviews.models.results import (
    SCORE,
    Acknowledgement,
    Calibration,
    ComputationJob,
    JobFailure,
    JobStatus,
    JobTrigger,
    Result,
)

__all__ = [
    "PHASE_ORDER",
    "SCORE",
    "Acknowledgement",
    "Assessment",
    "AssessmentRole",
    "AuditAction",
    "AuditEntry",
    "Calibration",
    "ComputationJob",
    "Cycle",
    "CycleCompetency",
    "CycleKpi",
    "JobFailure",
    "JobStatus",
    "JobTrigger",
    "KpiActual",
    "PeerRequest",
    "PeerRequestStatus",
    "PeriodKind",
    "Phase",
    "PhaseChange",
    "Rating",
    "ReminderSent",
    "Reopening",
    "Result",
    "Review",
]

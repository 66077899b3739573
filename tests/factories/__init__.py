"""A factory for every model of the apps appraisal, kpis and reviews, in one place.

Each builds a valid row (its model's constraints hold, and the rows it refers to are
consistent with it); pass what a test cares about. Cycles that go through their phases are
built with the real services instead: `tests.builders`.
"""

from .kpis import (
    CompetencyFactory,
    GradeRuleFactory,
    KpiFactory,
    ScorecardTemplateFactory,
    TemplateCompetencyFactory,
    TemplateKpiFactory,
)
from .people import (
    PASSWORD,
    AdminFactory,
    HrFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    make_admin,
    make_hr,
)
from .reviews import (
    AcknowledgementFactory,
    AssessmentFactory,
    CalibrationFactory,
    ComputationJobFactory,
    CycleCompetencyFactory,
    CycleFactory,
    CycleKpiFactory,
    KpiActualFactory,
    PeerRequestFactory,
    PhaseChangeFactory,
    RatingFactory,
    ReminderSentFactory,
    ReopeningFactory,
    ResultFactory,
    ReviewFactory,
    create_in_bulk,
)

__all__ = [
    "PASSWORD",
    "AcknowledgementFactory",
    "AdminFactory",
    "AssessmentFactory",
    "CalibrationFactory",
    "CompetencyFactory",
    "ComputationJobFactory",
    "CycleCompetencyFactory",
    "CycleFactory",
    "CycleKpiFactory",
    "GradeRuleFactory",
    "HrFactory",
    "KpiActualFactory",
    "KpiFactory",
    "PeerRequestFactory",
    "PersonFactory",
    "PhaseChangeFactory",
    "RatingFactory",
    "ReminderSentFactory",
    "ReopeningFactory",
    "ResultFactory",
    "ReviewFactory",
    "ScorecardTemplateFactory",
    "TeamFactory",
    "TemplateCompetencyFactory",
    "TemplateKpiFactory",
    "UserFactory",
    "create_in_bulk",
    "make_admin",
    "make_hr",
]

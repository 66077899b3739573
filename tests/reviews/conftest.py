"""Cycles of the demo company, built with tests.builders (through the real services)."""

import pytest

from reviews.models import Phase
from tests.builders import GROWTH_PMS, HR, advance_to, build_cycle, calibration_company


@pytest.fixture
def draft_cycle(people):
    """A draft of the ToB SaaS template with the Growth team's four PMs."""
    return build_cycle(actor=people[HR], pms=[people[name] for name in GROWTH_PMS])


@pytest.fixture
def open_cycle(draft_cycle, people, django_capture_on_commit_callbacks):
    """The draft, opened (its e-mails sent)."""
    with django_capture_on_commit_callbacks(execute=True):
        return advance_to(draft_cycle, Phase.SELF_ASSESSMENT, actor=people[HR])


@pytest.fixture
def lin_review(open_cycle, people):
    return open_cycle.reviews.get(person=people["chen.lin"])


@pytest.fixture
def company(db):
    """A cycle in calibration, computed: (cycle, leader, the leader's 2 reviews, HR)."""
    return calibration_company()

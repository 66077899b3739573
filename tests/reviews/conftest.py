from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal.models import Person
from kpis.models import ScorecardTemplate
from kpis.services import catalog_load
from reviews import services


@pytest.fixture
def people(demo_company):
    catalog_load()
    return {
        person.user.username: person for person in Person.objects.select_related("user", "team")
    }


def make_cycle(people, *, template_key="tob_saas", days=14):
    now = timezone.now()
    return services.cycle_create(
        actor=people["ye.qing"],
        name="2026 Q4",
        period_kind="quarter",
        period_start=now.date() - timedelta(days=60),
        period_end=now.date() + timedelta(days=30),
        template=ScorecardTemplate.objects.get(key=template_key),
        self_assessment_deadline=now + timedelta(days=days),
        review_deadline=now + timedelta(days=days * 2),
        calibration_deadline=now + timedelta(days=days * 3),
        acknowledgement_deadline=now + timedelta(days=days * 4),
    )


@pytest.fixture
def draft_cycle(people):
    cycle = make_cycle(people)
    growth = [people[name] for name in ("chen.lin", "wang.fang", "li.na", "zhang.wei")]
    services.cycle_add_participants(cycle=cycle, people=growth)
    return cycle


@pytest.fixture
def open_cycle(draft_cycle, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.cycle_open(cycle=draft_cycle, actor=people["ye.qing"])


@pytest.fixture
def lin_review(open_cycle, people):
    return open_cycle.reviews.get(person=people["chen.lin"])


PEERS = ("luo.xin", "zheng.kai", "yang.qian", "han.mei")

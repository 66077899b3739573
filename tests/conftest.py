import pytest
from django.core.cache import cache

from appraisal.demo import seed_organisation
from kpis.services import catalog_load
from tests.builders import people_by_username
from tests.factories import PersonFactory, TeamFactory, make_admin, make_hr


@pytest.fixture
def demo_company(db):
    """The demo company of `manage.py seed_demo`: 4 product teams and cross-functional peers."""
    return seed_organisation()


@pytest.fixture
def people(demo_company):
    """The demo company's people by username, with the shipped KPI catalog loaded."""
    catalog_load()
    return people_by_username()


@pytest.fixture
def org(db):
    """A small organisation with one person of each role, for permission tests."""
    growth = TeamFactory(name="Growth")
    design = TeamFactory(name="Design", function="design")
    leader = PersonFactory(name="Lead Growth", team=growth, title="Group PM")
    pm = PersonFactory(name="PM One", team=growth, leader=leader, is_reviewed_pm=True)
    other_pm = PersonFactory(name="PM Two", team=growth, leader=leader, is_reviewed_pm=True)
    designer = PersonFactory(name="Designer", team=design, title="Product Designer")
    hr = make_hr(name="HR Person", team=TeamFactory(name="People", function="people"))
    admin = make_admin(name="Admin Person", team=hr.team)
    return {
        "leader": leader,
        "pm": pm,
        "other_pm": other_pm,
        "peer": designer,
        "hr": hr,
        "admin": admin,
    }


@pytest.fixture
def client_as(client):
    """Sign the test client in as a person: `client_as(org["pm"])`."""

    def sign_in(person):
        client.force_login(person.user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what one test's database (rolled back at its
    end) put there must not answer for the next one's."""

    cache.clear()

"""HR's home page: every cycle not closed with its phase, deadline, blockers and progress;
nobody else sees it; three queries whatever the number of cycles and PMs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import selectors, services
from reviews.models import Cycle, Phase
from tests.builders import GROWTH_PMS, HR, advance_to, build_cycle, grow, signed_in
from tests.factories import (
    AssessmentFactory,
    CycleFactory,
    PeerRequestFactory,
    ReviewFactory,
    make_admin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def growth(people):
    return [people[name] for name in GROWTH_PMS]


def test_hr_sees_every_cycle_not_closed_with_phase_deadline_blockers_and_progress(people, growth):
    hr = people[HR]
    open_cycle = build_cycle(actor=hr, pms=growth, phase=Phase.SELF_ASSESSMENT, name="Open one")
    build_cycle(actor=hr, pms=growth[:1], phase=Phase.CLOSED, name="Closed one")
    build_cycle(actor=hr, pms=growth[:2], name="Draft one")

    response = signed_in(hr).get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Cycles in progress" in page
    assert "Open one" in page
    assert "Draft one" in page
    assert "Draft with 2 participants" in page
    assert "Closed one" not in page
    assert "4 PMs have not submitted their self-assessment" in page
    assert "Self-assessments submitted" in page
    assert "0 of 4" in page
    assert reverse("reviews:cycle_detail", args=[open_cycle.pk]) in page
    assert "My tasks" in page  # HR's own tasks stay below


def test_the_dashboard_blockers_are_the_cycle_pages_without_the_names(people, growth):
    hr = people[HR]
    cycle = build_cycle(actor=hr, pms=growth, phase=Phase.REVIEW)

    (summary,) = selectors.hr_dashboard()

    assert summary.blockers == ["1 leader has not submitted"]
    assert services.cycle_blockers(cycle=cycle) == ["1 leader has not submitted: Zhou Min"]


def test_the_dashboard_counts_each_step(people, growth):
    hr = people[HR]
    cycle = build_cycle(actor=hr, pms=growth, phase=Phase.REVIEW)
    reviews = list(cycle.reviews.all())
    AssessmentFactory(review=reviews[0], submitted=True)
    AssessmentFactory(review=reviews[1], role="leader", submitted=True)
    PeerRequestFactory(review=reviews[0], submitted=True)
    PeerRequestFactory(review=reviews[0], approved=True)
    PeerRequestFactory(review=reviews[1])  # only nominated: not asked yet

    (summary,) = selectors.hr_dashboard()

    progress = {step.label: (step.done, step.total) for step in summary.steps}
    assert progress == {
        "Self-assessments submitted": (1, 4),
        "Leader reviews submitted": (1, 4),
        "Peer requests answered": (1, 2),
        "Results computed": (0, 4),
        "Results acknowledged": (0, 4),
    }
    assert summary.blockers == ["1 leader has not submitted", "1 peer request is still unanswered"]


def test_a_phase_past_its_deadline_is_overdue(people, growth):
    hr = people[HR]
    cycle = build_cycle(actor=hr, pms=growth, phase=Phase.SELF_ASSESSMENT)
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_deadline=timezone.now() - timedelta(hours=1)
    )

    page = signed_in(hr).get(reverse("home")).content.decode()

    assert "overdue" in page


@pytest.mark.parametrize("username", ["chen.lin", "zhou.min", "luo.xin"])
def test_people_outside_hr_see_no_dashboard(people, growth, username):
    build_cycle(actor=people[HR], pms=growth, phase=Phase.SELF_ASSESSMENT, name="Open one")

    response = signed_in(people[username]).get(reverse("home"))

    assert response.status_code == 200
    assert "Cycles in progress" not in response.content.decode()
    assert response.context["dashboard"] is None


def test_an_admin_outside_hr_sees_no_dashboard(people, growth):
    build_cycle(actor=people[HR], pms=growth, phase=Phase.SELF_ASSESSMENT)

    response = signed_in(make_admin(name="Admin Only")).get(reverse("home"))

    assert response.status_code == 200
    assert "Cycles in progress" not in response.content.decode()


def test_hr_without_cycles_reads_that_none_is_in_progress(people):
    page = signed_in(people[HR]).get(reverse("home")).content.decode()

    assert "No cycle is in progress." in page


def test_the_dashboard_query_count_does_not_grow_with_cycles_or_pms(
    company, django_assert_num_queries
):
    cycle, leader, _mine, hr = company
    with django_assert_num_queries(3):
        small = selectors.hr_dashboard()

    grow(cycle, leader, hr)
    for phase in (Phase.SELF_ASSESSMENT, Phase.REVIEW, Phase.PUBLISHED):
        other = CycleFactory(phase=phase)
        for review in ReviewFactory.create_batch(5, cycle=other):
            AssessmentFactory(review=review, submitted=True)
            PeerRequestFactory(review=review, approved=True)
    with django_assert_num_queries(3):
        large = selectors.hr_dashboard()

    assert len(small) == 1
    assert len(large) == 4
    assert sum(summary.participants for summary in large) > 3 * small[0].participants


def test_the_hr_home_page_query_count_does_not_grow_with_cycles(
    people, growth, django_assert_max_num_queries
):
    hr = people[HR]
    client = signed_in(hr)
    build_cycle(actor=hr, pms=growth, phase=Phase.SELF_ASSESSMENT, name="One")
    client.get(reverse("home"))
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("home"))

    second = build_cycle(actor=hr, pms=growth, phase=Phase.SELF_ASSESSMENT, name="Two")
    advance_to(second, Phase.REVIEW, actor=hr)
    with django_assert_max_num_queries(40) as large:
        page = client.get(reverse("home")).content.decode()

    assert "Two" in page
    assert len(small.captured_queries) == len(large.captured_queries)

"""HR is warned, not refused, when a PM joins a cycle whose period overlaps another cycle
the PM is already in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Phase
from reviews.selectors import overlapping_participations
from tests.builders import GROWTH_PMS, HR, build_cycle, set_phase, signed_in

pytestmark = pytest.mark.django_db


def _add_growth_team(people, cycle):
    return signed_in(people[HR]).post(
        reverse("reviews:cycle_participants_add", args=[cycle.pk]),
        {"add-teams": [people["chen.lin"].team_id]},
        follow=True,
    )


def _later_period(days_from_now: int):
    start = timezone.now().date() + timedelta(days=days_from_now)
    return (start, start + timedelta(days=90))


def test_adding_pms_already_in_an_overlapping_cycle_warns_naming_them_and_the_cycle(
    people, open_cycle
):
    second = build_cycle(actor=people[HR], name="Growth special", period=_later_period(10))

    response = _add_growth_team(people, second)

    content = response.content.decode()
    assert second.reviews.count() == 4  # a warning, not a refusal
    names = sorted(str(people[name]) for name in GROWTH_PMS)
    assert ", ".join(names[:3]) + " and 1 more are already in “2026 Q4”" in content


def test_one_pm_in_an_overlapping_cycle_is_named_alone(people, open_cycle):
    second = build_cycle(actor=people[HR], name="Growth special", period=_later_period(10))

    response = signed_in(people[HR]).post(
        reverse("reviews:cycle_participants_add", args=[second.pk]),
        {"add-people": [people["chen.lin"].pk]},
        follow=True,
    )

    assert f"{people['chen.lin']} is already in “2026 Q4”" in response.content.decode()


def test_no_warning_when_the_periods_do_not_overlap(people, open_cycle):
    second = build_cycle(actor=people[HR], name="Next quarter", period=_later_period(31))

    response = _add_growth_team(people, second)

    assert second.reviews.count() == 4
    assert "already in" not in response.content.decode()


def test_no_warning_for_a_closed_cycle(people, open_cycle):
    set_phase(open_cycle, Phase.CLOSED)
    second = build_cycle(actor=people[HR], name="Growth special", period=_later_period(10))

    response = _add_growth_team(people, second)

    assert "already in" not in response.content.decode()


def test_the_overlap_rule_counts_a_shared_last_day(people, open_cycle):
    second = build_cycle(
        actor=people[HR], name="Touching", period=(open_cycle.period_end, _later_period(60)[1])
    )
    after = build_cycle(actor=people[HR], name="After", period=_later_period(31))
    ids = [people[name].pk for name in GROWTH_PMS]

    assert [
        (cycle.pk, len(pms))
        for cycle, pms in overlapping_participations(cycle=second, person_ids=ids)
    ] == [(open_cycle.pk, 4)]
    assert overlapping_participations(cycle=after, person_ids=ids) == []

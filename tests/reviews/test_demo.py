"""The demo company gives every role something to do."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from appraisal.models import Person
from reviews.demo import PAST_CYCLE, PEER_WORDS, REVIEW_CYCLE, SELF_CYCLE
from reviews.models import Calibration, Cycle, PeerRequest, PeerRequestStatus, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def my_tasks(username: str) -> str:

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.get(reverse("home")).content.decode()


def test_seed_demo_creates_one_cycle_in_review_and_one_in_self_assessment(seeded):
    assert Cycle.objects.get(name=REVIEW_CYCLE).phase == Phase.REVIEW
    assert Cycle.objects.get(name=SELF_CYCLE).phase == Phase.SELF_ASSESSMENT
    assert "Review cycles created" in seeded


def test_seeding_again_leaves_the_cycles_as_they_are(seeded):
    counts = (Cycle.objects.count(), Cycle.objects.get(name=REVIEW_CYCLE).reviews.count())

    call_command("seed_demo")

    assert (Cycle.objects.count(), Cycle.objects.get(name=REVIEW_CYCLE).reviews.count()) == counts


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("zhou.min", "Review Chen Lin"),  # a leader owes reviews
        ("wu.xia", "Self-assessment: 2026 Q4"),  # a PM in self-assessment
    ],
)
def test_demo_accounts_have_tasks(seeded, username, expected):
    assert expected in my_tasks(username)


def test_some_demo_peer_owes_feedback(seeded):

    waiting = (
        PeerRequest.objects.filter(status=PeerRequestStatus.APPROVED)
        .select_related("peer__user")
        .first()
    )

    assert waiting is not None
    assert "Feedback for" in my_tasks(waiting.peer.user.username)
    assert Person.objects.filter(peer_requests__status=PeerRequestStatus.SUBMITTED).exists()


def test_the_demo_has_a_closed_cycle_with_results_to_look_back_on(seeded):

    past = Cycle.objects.get(name=PAST_CYCLE)

    assert past.phase == Phase.CLOSED
    assert past.results.count() == 15
    assert Calibration.objects.filter(review__cycle=past).count() <= 1
    client = Client()

    client.force_login(get_user_model().objects.get(username="chen.lin"))
    assert PAST_CYCLE in client.get(reverse("reviews:my_results")).content.decode()
    client.force_login(get_user_model().objects.get(username="zhou.min"))
    assert PAST_CYCLE in client.get(reverse("reviews:team_history")).content.decode()


def test_a_pm_reads_what_people_wrote_on_the_demos_published_result(seeded):
    review = Cycle.objects.get(name=PAST_CYCLE).reviews.select_related("person__user").first()
    client = Client()
    client.force_login(review.person.user)

    page = client.get(reverse("reviews:result_detail", args=[review.pk])).content.decode()

    assert "Write decisions down before the meeting" in page  # the leader's words
    assert sum(words in page for words in PEER_WORDS) == 4  # four peers, unnamed

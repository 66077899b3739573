"""What people wrote reaches the PM: the leader's written assessment and the peers'
comments, on the published result, without names and only with enough peer answers; the
leader reads the peers' comments under the same rule, once the review phase is over."""

import pytest
from django.urls import reverse

from reviews import services
from reviews.computation import cycle_compute
from reviews.models import Assessment, AssessmentRole, Phase
from tests.builders import (
    HR,
    PEERS,
    advance_to,
    in_review_with_peers,
    load_into_cycle,
    publish,
    signed_in,
)
from tests.factories import make_hr

pytestmark = pytest.mark.django_db

PEER_WORDS = ("Ships on time, every time", "asks the right questions", "Clear specs")


@pytest.fixture
def published_with_words():
    cycle, reviews = load_into_cycle("worked_example")
    review = reviews["lin"]
    Assessment.objects.filter(review=review, role=AssessmentRole.LEADER).update(
        strengths="Owned the pricing launch", gaps="Delegate more", comment="A strong quarter"
    )
    peers = list(Assessment.objects.filter(review=review, role=AssessmentRole.PEER).order_by("pk"))
    for assessment, words in zip(peers, PEER_WORDS, strict=False):
        assessment.comment = words
        assessment.save(update_fields=["comment"])
    cycle_compute(cycle_id=cycle.pk)
    publish(cycle, make_hr(name="HR Lead"))
    return review, peers


def test_the_published_result_carries_the_leaders_words_and_the_peers_comments_unnamed(
    published_with_words,
):
    review, peers = published_with_words
    assert len(peers) >= 3

    page = (
        signed_in(review.person)
        .get(reverse("reviews:result_detail", args=[review.pk]))
        .content.decode()
    )

    for words in ("Owned the pricing launch", "Delegate more", "A strong quarter"):
        assert words in page
    # sorted by their text, not in the order the peers were asked in
    assert sorted(PEER_WORDS, key=page.index) == sorted(PEER_WORDS, key=str.casefold)
    for peer in peers:
        assert peer.assessor.name not in page


def test_with_too_few_peer_answers_their_comments_stay_private(published_with_words):
    review, peers = published_with_words
    Assessment.objects.filter(pk__in=[peer.pk for peer in peers[2:]]).update(submitted_at=None)

    page = (
        signed_in(review.person)
        .get(reverse("reviews:result_detail", args=[review.pk]))
        .content.decode()
    )

    assert 'id="peer-comments-withheld"' in page
    for words in PEER_WORDS:
        assert words not in page


def test_the_leader_reads_the_peers_comments_once_the_review_phase_is_over(people, lin_review):
    in_review_with_peers(lin_review, people)
    for name, words in zip(PEERS, PEER_WORDS, strict=False):
        assessment = services.assessment_get_or_create(
            review=lin_review, assessor=people[name], role=AssessmentRole.PEER
        )
        services.assessment_save(
            assessment=assessment,
            actor=people[name],
            version=0,
            ratings={item.pk: 4 for item in lin_review.cycle.competency_items.all()},
            texts={"comment": words},
            submit=True,
        )

    leader = signed_in(lin_review.leader)
    url = reverse("reviews:leader_review", args=[lin_review.pk])
    during = leader.get(url).content.decode()
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    after = leader.get(url).content.decode()

    assert 'id="peer-comments-withheld"' in during
    for words in PEER_WORDS:
        assert words not in during
        assert words in after
    for name in PEERS:
        assert people[name].name not in after


def test_the_leader_writes_strengths_and_gaps_beside_the_comment(people, lin_review):
    in_review_with_peers(lin_review, people)
    leader = services.assessment_get_or_create(
        review=lin_review, assessor=lin_review.leader, role=AssessmentRole.LEADER
    )

    services.assessment_save(
        assessment=leader,
        actor=lin_review.leader,
        version=0,
        ratings={},
        texts={"strengths": "Great discovery work", "gaps": "Write shorter specs"},
    )

    leader.refresh_from_db()
    assert (leader.strengths, leader.gaps) == ("Great discovery work", "Write shorter specs")
    page = (
        signed_in(lin_review.leader)
        .get(reverse("reviews:leader_review", args=[lin_review.pk]))
        .content.decode()
    )
    assert "Great discovery work" in page  # shown again in its field

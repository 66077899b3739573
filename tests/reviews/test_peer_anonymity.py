"""No peer is exposed over time (issue 19, item 6): whatever the leader and the PM can read
while peers answer stays the same when one more peer answers, so reading it before and
after cannot tell that peer's ratings or comment. Once the peer window closes (the review
phase ends), the aggregates include every answer and can no longer change."""

import re

import pytest
from django.urls import reverse

from reviews import selectors, services
from reviews.models import Assessment, AssessmentRole, Phase
from reviews.services import ReviewError
from tests.builders import HR, PEERS, advance_to, in_review_with_peers, signed_in

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*')


def peer_answers(review, person, *, value: int, comment: str) -> None:
    assessment = services.assessment_get_or_create(
        review=review, assessor=person, role=AssessmentRole.PEER
    )
    services.assessment_save(
        assessment=assessment,
        actor=person,
        version=assessment.version,
        ratings={item.pk: value for item in review.cycle.competency_items.all()},
        texts={"comment": comment},
        submit=True,
    )


def what_they_read(person, urls: list[str]) -> dict[str, str]:
    """Every page, as `person` reads it, without the CSRF token (new in every response)."""
    client = signed_in(person)
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = CSRF.sub(r"\1", response.content.decode())
    return pages


def leader_urls(review) -> list[str]:
    return [
        reverse("reviews:leader_review", args=[review.pk]),
        reverse("reviews:peers", args=[review.pk]),
        reverse("reviews:team_cycle", args=[review.cycle.pk]),
        reverse("my_team"),
        reverse("home"),
    ]


def pm_urls(review) -> list[str]:
    return [
        reverse("reviews:peers", args=[review.pk]),
        reverse("reviews:self_assessment", args=[review.pk]),
        reverse("home"),
    ]


def test_one_more_peer_answer_changes_nothing_the_leader_or_the_pm_can_read(people, lin_review):
    # Given four approved peers, three of whom answered (enough for an average)
    in_review_with_peers(lin_review, people)
    first, *others, last = [people[name] for name in PEERS]
    for peer, value in zip([first, *others], (2, 3, 4), strict=True):
        peer_answers(lin_review, peer, value=value, comment=f"said by the peer rating {value}")
    leader_before = what_they_read(lin_review.leader, leader_urls(lin_review))
    pm_before = what_they_read(lin_review.person, pm_urls(lin_review))

    # When the fourth peer answers
    peer_answers(lin_review, last, value=5, comment="said by the last peer")

    # Then the leader and the PM read exactly what they read before: no mean, no count, no
    # status, no comment moved
    assert what_they_read(lin_review.leader, leader_urls(lin_review)) == leader_before
    assert what_they_read(lin_review.person, pm_urls(lin_review)) == pm_before
    leader_page = leader_before[leader_urls(lin_review)[0]]
    assert "answers)" not in leader_page
    assert "said by the peer" not in leader_page
    assert 'id="peers-withheld"' in leader_page
    assert "Submitted" not in leader_before[leader_urls(lin_review)[1]]
    assert "Peers answered" not in leader_before[leader_urls(lin_review)[2]]

    # And once the review phase is over, the aggregates include every answer
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    after = what_they_read(lin_review.leader, leader_urls(lin_review))
    leader_page = after[leader_urls(lin_review)[0]]
    assert "Peers: 3.5 (4 answers)" in leader_page
    assert "said by the last peer" in leader_page
    assert all(f"said by the peer rating {value}" in leader_page for value in (2, 3, 4))
    assert "4 / 4" in after[leader_urls(lin_review)[2]]


def test_hr_sees_who_answered_throughout_to_chase_peers(people, lin_review):
    in_review_with_peers(lin_review, people)
    peer_answers(lin_review, people[PEERS[0]], value=3, comment="")

    hr = signed_in(people[HR])
    peers_page = hr.get(reverse("reviews:peers", args=[lin_review.pk])).content.decode()
    cycle_page = hr.get(reverse("reviews:cycle_detail", args=[lin_review.cycle.pk]))

    assert "Submitted" in peers_page
    assert "1 / 4" in cycle_page.content.decode()
    # HR's pages that show who answered are HR's alone
    leader = signed_in(lin_review.leader)
    for url in (
        reverse("reviews:cycle_detail", args=[lin_review.cycle.pk]),
        reverse("reviews:review_audit", args=[lin_review.pk]),
        reverse("reviews:cycle_audit", args=[lin_review.cycle.pk]),
    ):
        assert leader.get(url).status_code in (403, 404), url


def test_a_peer_assessment_is_not_reopened_once_the_review_phase_is_over(people, lin_review):
    in_review_with_peers(lin_review, people)
    peer_answers(lin_review, people[PEERS[0]], value=3, comment="final")
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    assessment = Assessment.objects.get(review=lin_review, role=AssessmentRole.PEER)

    with pytest.raises(ReviewError, match="peers' answers are final"):
        services.assessment_reopen(assessment=assessment, actor=people[HR], reason="typo")

    assessment.refresh_from_db()
    assert assessment.is_submitted
    assert assessment.open_until is None


def test_a_peer_assessment_reopened_during_the_review_closes_with_it(people, lin_review):
    in_review_with_peers(lin_review, people)
    peer = people[PEERS[0]]
    peer_answers(lin_review, peer, value=3, comment="first thoughts")
    assessment = Assessment.objects.get(review=lin_review, role=AssessmentRole.PEER)
    services.assessment_reopen(
        assessment=assessment,
        actor=people[HR],
        reason="asked to say more",
        open_until=lin_review.cycle.calibration_deadline,
    )
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    assessment.refresh_from_db()

    with pytest.raises(ReviewError):
        peer_answers(lin_review, peer, value=5, comment="second thoughts")

    assessment.refresh_from_db()
    assert not assessment.is_submitted
    assert assessment.comment == "first thoughts"
    lin_review.cycle.refresh_from_db()
    assert services.assessment_closed_reason(assessment, lin_review.cycle) is not None
    assert selectors.person_tasks(person=peer)["peer_requests"] == []

"""The peer feedback deadline (issues 16 and 19): an optional deadline inside the review
phase. Peers answer until then; once it has passed, nothing peers said can change, so the
leader reads their final views (mean, count, comments) for the rest of the review phase,
and before it reads nothing that one more answer would move."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from kpis.models import ScorecardTemplate
from reviews import permissions, selectors, services
from reviews.forms import CycleForm
from reviews.models import Assessment, AssessmentRole, Cycle, Phase
from reviews.notifications import deadline_reminders_send
from reviews.services import ReviewError
from tests.builders import HR, PEERS, in_review_with_peers, signed_in
from tests.reviews.test_peer_anonymity import leader_urls, peer_answers, pm_urls, what_they_read

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%d %H:%M"


def set_peer_deadline(cycle: Cycle, *, days: float) -> Cycle:
    """Give the cycle a peer deadline `days` from now (negative: passed), written directly
    (time cannot be frozen here); a passed one moves the self-assessment deadline before it,
    as it would be in a real review phase."""
    moment = timezone.now() + timedelta(days=days)
    fields = {"peer_deadline": moment}
    if moment < cycle.self_assessment_deadline:
        fields["self_assessment_deadline"] = moment - timedelta(days=1)
    Cycle.objects.filter(pk=cycle.pk).update(**fields)
    cycle.refresh_from_db()
    return cycle


def local(moment) -> str:
    return timezone.localtime(moment).strftime(FMT)


def test_before_the_peer_deadline_one_more_answer_changes_nothing_the_leader_reads(
    people, lin_review
):
    # Given a peer deadline ahead, and three of four peers answered
    set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people)
    first, *others, last = [people[name] for name in PEERS]
    for peer, value in zip([first, *others], (2, 3, 4), strict=True):
        peer_answers(lin_review, peer, value=value, comment=f"said by the peer rating {value}")
    leader_before = what_they_read(lin_review.leader, leader_urls(lin_review))
    pm_before = what_they_read(lin_review.person, pm_urls(lin_review))

    # When the fourth peer answers
    peer_answers(lin_review, last, value=5, comment="said by the last peer")

    # Then nothing the leader or the PM reads moved, and the leader is told when it will
    assert what_they_read(lin_review.leader, leader_urls(lin_review)) == leader_before
    assert what_they_read(lin_review.person, pm_urls(lin_review)) == pm_before
    leader_page = leader_before[leader_urls(lin_review)[0]]
    assert "answers)" not in leader_page
    assert "said by the peer" not in leader_page
    assert "views appear after the peer feedback deadline" in leader_page
    assert "shown after the peer feedback deadline" in leader_page


def test_after_the_peer_deadline_the_leader_rates_with_the_peers_views(people, lin_review):
    # Given four peers answered before the peer deadline
    set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people)
    for name, value in zip(PEERS, (2, 3, 4, 5), strict=True):
        peer_answers(lin_review, people[name], value=value, comment=f"said by {name}")

    # When the peer deadline passes, the cycle still in its review phase
    set_peer_deadline(lin_review.cycle, days=-0.01)

    # Then the leader reads the peers' mean, count and comments, and can still rate
    assert lin_review.cycle.phase == Phase.REVIEW
    assert permissions.is_peer_window_closed(lin_review.cycle)
    pages = what_they_read(lin_review.leader, leader_urls(lin_review))
    leader_page = pages[leader_urls(lin_review)[0]]
    assert "Peers: 3.5 (4 answers)" in leader_page
    assert all(f"said by {name}" in leader_page for name in PEERS)
    assert 'id="peers-withheld"' not in leader_page
    assert 'id="peer-comments-withheld"' not in leader_page
    assert "Leaders review in the review phase" not in leader_page
    assert "4 / 4" in pages[leader_urls(lin_review)[2]]


def test_without_a_peer_deadline_the_window_closes_with_the_review_phase(people, lin_review):
    in_review_with_peers(lin_review, people)

    assert not permissions.is_peer_window_closed(lin_review.cycle)
    page = signed_in(lin_review.leader).get(reverse("reviews:leader_review", args=[lin_review.pk]))
    assert "shown after the review phase" in page.content.decode()


def test_a_peer_cannot_save_after_the_peer_deadline(people, lin_review):
    set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people)
    set_peer_deadline(lin_review.cycle, days=-0.01)
    peer = people[PEERS[0]]

    with pytest.raises(ReviewError, match="deadline"):
        peer_answers(lin_review, peer, value=4, comment="too late")

    assert not Assessment.objects.filter(
        review=lin_review, role=AssessmentRole.PEER, submitted_at__isnull=False
    ).exists()
    assert selectors.person_tasks(person=peer)["peer_requests"] == []
    request = lin_review.peer_requests.get(peer=peer)
    page = signed_in(peer).get(reverse("reviews:peer_request", args=[request.pk])).content.decode()
    assert 'id="peer-closed"' in page
    due = date_format(timezone.localtime(lin_review.cycle.peer_deadline), "DATETIME_FORMAT")
    assert f"due {due}" in page


def test_hr_reopens_a_peer_only_until_the_peer_deadline(people, lin_review):
    set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people)
    peer_answers(lin_review, people[PEERS[0]], value=3, comment="first")
    assessment = Assessment.objects.get(review=lin_review, role=AssessmentRole.PEER)

    # Before it: a date past the peer deadline is refused, the default is the peer deadline
    with pytest.raises(ReviewError, match="peer feedback deadline"):
        services.assessment_reopen(
            assessment=assessment,
            actor=people[HR],
            reason="say more",
            open_until=lin_review.cycle.review_deadline,
        )
    reopened = services.assessment_reopen(assessment=assessment, actor=people[HR], reason="more")
    assert reopened.open_until == lin_review.cycle.peer_deadline
    peer_answers(lin_review, people[PEERS[0]], value=4, comment="second")

    # After it: refused, nothing changed
    set_peer_deadline(lin_review.cycle, days=-0.01)
    with pytest.raises(ReviewError, match="peers' answers are final"):
        services.assessment_reopen(assessment=assessment, actor=people[HR], reason="typo")
    assessment.refresh_from_db()
    assert assessment.is_submitted
    assert assessment.comment == "second"


def test_the_peer_deadline_moves_later_only_before_it_passed(people, lin_review):
    cycle = set_peer_deadline(lin_review.cycle, days=20)
    later = cycle.peer_deadline + timedelta(days=2)

    services.cycle_extend_deadline(
        cycle=cycle, phase=services.PEER_FEEDBACK, deadline=later, actor=people[HR]
    )
    cycle.refresh_from_db()
    assert cycle.peer_deadline == later

    # Extending the review deadline never moves the peer deadline
    services.cycle_extend_deadline(
        cycle=cycle,
        phase=Phase.REVIEW,
        deadline=cycle.review_deadline + timedelta(days=5),
        actor=people[HR],
    )
    cycle.refresh_from_db()
    assert cycle.peer_deadline == later

    # Not past the review deadline (the ordering holds)
    with pytest.raises(ReviewError, match="between the self-assessment deadline"):
        services.cycle_extend_deadline(
            cycle=cycle,
            phase=services.PEER_FEEDBACK,
            deadline=cycle.review_deadline + timedelta(days=1),
        )

    # Once passed: refused, with a message on HR's page, and nothing moved
    in_review_with_peers(lin_review, people)
    cycle = set_peer_deadline(lin_review.cycle, days=-0.01)
    passed = cycle.peer_deadline
    response = signed_in(people[HR]).post(
        reverse("reviews:cycle_deadline_extend", args=[cycle.pk]),
        {
            "extend-phase": services.PEER_FEEDBACK,
            "extend-deadline": local(cycle.review_deadline - timedelta(days=1)),
        },
    )
    assert "The peer feedback deadline has passed and cannot be moved" in (
        response.content.decode().replace("&#x27;", "'")
    )
    cycle.refresh_from_db()
    assert cycle.peer_deadline == passed


def test_a_cycle_without_a_peer_deadline_cannot_extend_one(people, lin_review):
    with pytest.raises(ReviewError, match="no peer feedback deadline"):
        services.cycle_extend_deadline(
            cycle=lin_review.cycle,
            phase=services.PEER_FEEDBACK,
            deadline=lin_review.cycle.review_deadline,
        )
    lin_review.cycle.refresh_from_db()
    assert lin_review.cycle.peer_deadline is None


def _cycle_data(**deadlines) -> dict:
    return {
        "name": "2027 Q1",
        "period_kind": "quarter",
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "template": ScorecardTemplate.objects.get(key="social").pk,
        "self_assessment_deadline": "2027-04-07T12:00",
        "review_deadline": "2027-04-21T12:00",
        "calibration_deadline": "2027-04-28T12:00",
        "acknowledgement_deadline": "2027-05-05T12:00",
        **deadlines,
    }


@pytest.mark.parametrize("peer_deadline", ["2027-04-06T12:00", "2027-04-22T12:00"])
def test_the_cycle_form_refuses_a_peer_deadline_outside_the_review_phase(people, peer_deadline):
    form = CycleForm(_cycle_data(peer_deadline=peer_deadline))

    assert not form.is_valid()
    assert form.errors["peer_deadline"] == [
        (
            "The peer feedback deadline must fall between the self-assessment deadline and "
            "the review deadline."
        )
    ]


def test_hr_creates_a_cycle_with_a_peer_deadline_and_sees_it_on_its_page(people):
    hr = signed_in(people[HR])
    assert CycleForm(_cycle_data(peer_deadline="")).is_valid()

    hr.post(reverse("reviews:cycle_create"), _cycle_data(peer_deadline="2027-04-17T12:00"))

    cycle = Cycle.objects.get(name="2027 Q1")
    assert local(cycle.peer_deadline) == "2027-04-17 12:00"
    page = hr.get(reverse("reviews:cycle_detail", args=[cycle.pk])).content.decode()
    assert 'id="peer-deadline"' in page
    assert "2027" in page[page.index('id="peer-deadline"') :][:80]


def test_peers_are_told_and_reminded_of_the_peer_deadline(
    people, lin_review, django_capture_on_commit_callbacks
):
    # Given a peer deadline, when the review phase opens
    cycle = set_peer_deadline(lin_review.cycle, days=20)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        in_review_with_peers(lin_review, people)

    # Then peers are e-mailed the peer deadline, and My tasks shows it
    peer = people[PEERS[0]]
    [email] = [
        message
        for message in mail.outbox
        if message.to == [peer.user.email] and "can give your feedback now" in message.subject
    ]
    assert f"until {local(cycle.peer_deadline)}" in email.body
    [task] = selectors.person_tasks(person=peer)["peer_requests"]
    assert task.deadline == cycle.peer_deadline

    # And peers are reminded before the peer deadline; leaders only before theirs
    with django_capture_on_commit_callbacks(execute=True):
        reminded = deadline_reminders_send(now=cycle.peer_deadline - timedelta(days=1))
    assert reminded == len(PEERS)
    reminders = [message for message in mail.outbox if message.subject.startswith("Reminder")]
    assert sorted(message.to[0] for message in reminders) == sorted(
        people[name].user.email for name in PEERS
    )
    assert all(local(cycle.peer_deadline) in message.body for message in reminders)


def test_no_more_peers_are_asked_after_the_peer_deadline(people, lin_review):
    set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people, names=PEERS[:3])
    set_peer_deadline(lin_review.cycle, days=-0.01)

    with pytest.raises(ReviewError, match="no more peers can be asked"):
        services.peer_requests_approve(
            review=lin_review, actor=lin_review.leader, is_hr=False, add=[people[PEERS[3]]]
        )

    assert lin_review.peer_requests.count() == 3


def test_extending_the_self_assessment_deadline_past_the_peer_deadline(people, lin_review):
    # Before the peer deadline passed, it moves along to keep the order
    cycle = set_peer_deadline(lin_review.cycle, days=15)
    later = cycle.peer_deadline + timedelta(days=1)
    services.cycle_extend_deadline(cycle=cycle, phase=Phase.SELF_ASSESSMENT, deadline=later)
    cycle.refresh_from_db()
    assert (cycle.self_assessment_deadline, cycle.peer_deadline) == (later, later)

    # Once passed, it cannot move: the extension is refused and nothing changes
    in_review_with_peers(lin_review, people)
    cycle = set_peer_deadline(lin_review.cycle, days=-0.01)
    before = (cycle.self_assessment_deadline, cycle.peer_deadline)
    with pytest.raises(ReviewError, match="cannot be moved"):
        services.cycle_extend_deadline(
            cycle=cycle, phase=Phase.SELF_ASSESSMENT, deadline=timezone.now() + timedelta(days=1)
        )
    cycle.refresh_from_db()
    assert (cycle.self_assessment_deadline, cycle.peer_deadline) == before


def test_hr_dashboard_shows_the_peer_deadline_beside_the_peer_step(people, lin_review):
    cycle = set_peer_deadline(lin_review.cycle, days=20)
    in_review_with_peers(lin_review, people)

    page = signed_in(people[HR]).get(reverse("home")).content.decode()

    shown = date_format(timezone.localtime(cycle.peer_deadline), "SHORT_DATETIME_FORMAT")
    assert f"until {shown}" in page


def test_the_review_phase_does_not_open_after_the_peer_deadline_until_it_moves(people, lin_review):
    # Given HR is late: the peer deadline passed while the cycle is still in self-assessment
    cycle = set_peer_deadline(lin_review.cycle, days=-0.01)

    with pytest.raises(ReviewError, match="has passed: move it later first"):
        services.cycle_advance(cycle=cycle, actor=people[HR], override_blockers=True)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.SELF_ASSESSMENT

    # Before the review phase, no peer has answered: the deadline may still move
    services.cycle_extend_deadline(
        cycle=cycle, phase=services.PEER_FEEDBACK, deadline=timezone.now() + timedelta(days=3)
    )
    services.cycle_advance(cycle=cycle, actor=people[HR], override_blockers=True)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.REVIEW
    assert not permissions.is_peer_window_closed(cycle)

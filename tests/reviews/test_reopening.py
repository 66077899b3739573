"""HR reopens a submitted assessment until a deadline; its owner gets a task, an e-mail and a
page they can edit until then, also once the cycle has moved on. Peers hear when they can
answer, and My tasks says when a request opens."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reviews import selectors, services
from reviews.models import Assessment, AssessmentRole, AuditAction, AuditEntry, Phase
from tests.builders import HR, PEERS, advance_to, in_review_with_peers, signed_in


def submitted_self_assessment(review):
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    items = review.cycle.competency_items.all()
    return services.assessment_save(
        assessment=assessment,
        actor=review.person,
        version=assessment.version,
        ratings={item.pk: 4 for item in items},
        submit=True,
    )


def save_rating(assessment, value):
    assessment.refresh_from_db()
    item = assessment.review.cycle.competency_items.first()
    return services.assessment_save(
        assessment=assessment,
        actor=assessment.assessor,
        version=assessment.version,
        ratings={item.pk: value},
    )


def task_labels(person, kind):
    return [task.label for task in selectors.person_tasks(person=person)[kind]]


# --- the reopened assessment outlives its phase ---------------------------------------------


def test_a_self_assessment_reopened_after_its_phase_can_be_changed_until_hrs_deadline(
    lin_review, people
):
    submitted = submitted_self_assessment(lin_review)
    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    until = timezone.now() + timedelta(days=2)

    services.assessment_reopen(
        assessment=submitted, actor=people[HR], reason="wrong actual", open_until=until
    )

    saved = save_rating(submitted, 2)
    assert saved.ratings.filter(value=2).exists()
    page = signed_in(people["chen.lin"]).get(
        reverse("reviews:self_assessment", args=[lin_review.pk])
    )
    content = page.content.decode()
    assert 'id="reopened-notice"' in content
    assert "wrong actual" in content
    assert "is closed" not in content


def test_once_hrs_deadline_passes_the_reopened_assessment_is_closed_again(lin_review, people):
    submitted = submitted_self_assessment(lin_review)
    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    reopened = services.assessment_reopen(
        assessment=submitted,
        actor=people[HR],
        reason="wrong actual",
        open_until=timezone.now() + timedelta(hours=1),
    )
    Assessment.objects.filter(pk=reopened.pk).update(
        open_until=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(services.ReviewError, match="deadline"):
        save_rating(reopened, 2)
    assert not reopened.ratings.filter(value=2).exists()
    assert task_labels(people["chen.lin"], "self_assessments") == []


def test_without_a_date_a_reopening_lasts_the_phase_or_three_days_after_it(lin_review, people):
    cycle = lin_review.cycle
    in_phase = services.assessment_reopen(
        assessment=submitted_self_assessment(lin_review), actor=people[HR], reason="typo"
    )
    assert in_phase.open_until == cycle.self_assessment_deadline

    services.assessment_save(
        assessment=in_phase,
        actor=lin_review.person,
        version=in_phase.version,
        ratings={},
        submit=True,
    )
    advance_to(cycle, Phase.REVIEW, actor=people[HR])
    before = timezone.now()
    after_phase = services.assessment_reopen(
        assessment=Assessment.objects.get(pk=in_phase.pk), actor=people[HR], reason="typo"
    )
    assert before + timedelta(days=3) <= after_phase.open_until
    assert after_phase.open_until <= timezone.now() + timedelta(days=3)


def test_a_reopening_deadline_in_the_past_or_after_publication_is_refused(lin_review, people):
    submitted = submitted_self_assessment(lin_review)

    with pytest.raises(services.ReviewError, match="future"):
        services.assessment_reopen(
            assessment=submitted,
            actor=people[HR],
            reason="typo",
            open_until=timezone.now() - timedelta(hours=1),
        )
    advance_to(lin_review.cycle, Phase.PUBLISHED, actor=people[HR])
    with pytest.raises(services.ReviewError, match="published"):
        services.assessment_reopen(assessment=submitted, actor=people[HR], reason="typo")

    assert Assessment.objects.get(pk=submitted.pk).is_submitted
    assert not AuditEntry.objects.filter(action=AuditAction.ASSESSMENT_REOPENED).exists()


def test_the_reopening_is_recorded_with_its_deadline(lin_review, people):
    until = timezone.now() + timedelta(days=5)

    services.assessment_reopen(
        assessment=submitted_self_assessment(lin_review),
        actor=people[HR],
        reason="typo",
        open_until=until,
    )

    entry = AuditEntry.objects.get(action=AuditAction.ASSESSMENT_REOPENED)
    fields = {field: after for field, _before, after in entry.changes}
    assert fields["assessment.submitted_at"] is None
    assert fields["assessment.open_until"] is not None
    assert entry.reason == "typo"


def test_the_owner_is_emailed_the_reason_and_hrs_deadline(
    lin_review, people, django_capture_on_commit_callbacks
):
    submitted = submitted_self_assessment(lin_review)
    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    until = timezone.now() + timedelta(days=4)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reopen(
            assessment=submitted, actor=people[HR], reason="wrong actual", open_until=until
        )

    (message,) = mail.outbox
    assert message.to == ["chen.lin@example.com"]
    assert "wrong actual" in message.body
    assert timezone.localtime(until).strftime("%Y-%m-%d %H:%M") in message.body


# --- My tasks -------------------------------------------------------------------------------


def test_my_tasks_lists_a_reopened_assessment_once_with_hrs_deadline(lin_review, people):
    submitted = submitted_self_assessment(lin_review)
    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    until = timezone.now() + timedelta(days=2)
    assert task_labels(people["chen.lin"], "self_assessments") == []

    services.assessment_reopen(
        assessment=submitted, actor=people[HR], reason="typo", open_until=until
    )

    (task,) = selectors.person_tasks(person=people["chen.lin"])["self_assessments"]
    assert task.label == f"Reopened by HR: your self-assessment ({lin_review.cycle.name})"
    assert task.url == reverse("reviews:self_assessment", args=[lin_review.pk])
    assert task.deadline == until


def test_a_reopened_leader_review_is_a_task_after_the_review_phase(lin_review, people):
    in_review_with_peers(lin_review, people)
    leader = lin_review.leader
    assessment = services.assessment_get_or_create(
        review=lin_review, assessor=leader, role=AssessmentRole.LEADER
    )
    services.assessment_save(
        assessment=assessment,
        actor=leader,
        version=0,
        ratings={item.pk: 3 for item in lin_review.cycle.competency_items.all()},
        submit=True,
    )
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])

    services.assessment_reopen(
        assessment=Assessment.objects.get(pk=assessment.pk), actor=people[HR], reason="typo"
    )

    assert task_labels(leader, "leader_reviews") == [
        f"Reopened by HR: your review of {lin_review.person} ({lin_review.cycle.name})"
    ]
    page = signed_in(leader).get(reverse("reviews:leader_review", args=[lin_review.pk]))
    assert 'id="reopened-notice"' in page.content.decode()
    assert 'id="assessment-submit"' in page.content.decode()


def test_my_tasks_says_when_an_early_peer_request_opens(lin_review, people, client):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    services.peer_requests_approve(review=lin_review, actor=lin_review.leader, is_hr=False)
    peer = people[PEERS[0]]

    (task,) = selectors.person_tasks(person=peer)["peer_requests"]
    assert task.opens == lin_review.cycle.self_assessment_deadline
    page = signed_in(peer).get("/")
    assert "opens after" in page.content.decode()

    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    (task,) = selectors.person_tasks(person=peer)["peer_requests"]
    assert task.opens is None
    assert "opens after" not in signed_in(peer).get("/").content.decode()


# --- peers hear when they can act -----------------------------------------------------------


def test_peers_approved_early_are_told_when_they_can_answer_and_then_that_they_can(
    lin_review, people, django_capture_on_commit_callbacks
):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.peer_requests_approve(review=lin_review, actor=lin_review.leader, is_hr=False)
    assert len(mail.outbox) == len(PEERS)
    assert all("once its review phase opens" in message.body for message in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])

    asked = sorted(message.to[0] for message in mail.outbox if "now" in message.subject)
    assert asked == sorted(f"{name}@example.com" for name in PEERS)


def test_a_peer_approved_during_the_review_phase_can_answer_at_once(
    lin_review, people, django_capture_on_commit_callbacks
):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.peer_requests_approve(review=lin_review, actor=lin_review.leader, is_hr=True)

    assert len(mail.outbox) == len(PEERS)
    assert all("you can answer now" in message.body for message in mail.outbox)


# --- HR's form ------------------------------------------------------------------------------


def test_hr_reopens_from_the_cycle_page_with_a_deadline(lin_review, people):
    submitted = submitted_self_assessment(lin_review)
    url = reverse("reviews:cycle_assessment_reopen", args=[lin_review.cycle.pk])
    until = timezone.localtime(timezone.now() + timedelta(days=6)).replace(second=0, microsecond=0)

    refused = signed_in(people[HR]).post(
        url, {"assessment": submitted.pk, "reason": "typo", "open_until": "next week"}
    )
    assert refused.status_code == 400
    assert "as a date and time" in refused.content.decode()
    assert Assessment.objects.get(pk=submitted.pk).is_submitted

    forbidden = signed_in(people["zhou.min"]).post(
        url, {"assessment": submitted.pk, "reason": "typo"}
    )
    assert forbidden.status_code == 403
    assert Assessment.objects.get(pk=submitted.pk).is_submitted

    done = signed_in(people[HR]).post(
        url,
        {
            "assessment": submitted.pk,
            "reason": "typo",
            "open_until": until.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert done.status_code == 302
    assert Assessment.objects.get(pk=submitted.pk).open_until == until

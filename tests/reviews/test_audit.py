"""HR reads each review's audit trail: who changed what, when, before and after."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.audit import review_audit
from reviews.models import AssessmentRole, Phase
from tests.builders import PEERS, in_review_with_peers

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def rate_all(review) -> None:
    """Two saves of a self-assessment rating every competency: two entries a competency."""
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    items = review.cycle.competency_items.all()
    for version, value in enumerate((3, 4)):
        services.assessment_save(
            assessment=assessment,
            actor=review.person,
            version=version,
            ratings={item.pk: value for item in items},
        )


def test_changes_made_in_the_browser_are_in_the_audit_trail(people, lin_review):
    pm = signed_in(people["chen.lin"])
    url = reverse("reviews:self_assessment_save", args=[lin_review.pk])
    item = lin_review.cycle.competency_items.first()
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")
    pm.post(url, {f"rating-{item.pk}": "2", f"actual-{mau.pk}": "12", "version": "0"})
    pm.post(url, {f"rating-{item.pk}": "4", f"actual-{mau.pk}": "18", "version": "1"})

    content = (
        signed_in(people["ye.qing"])
        .get(reverse("reviews:review_audit", args=[lin_review.pk]))
        .content.decode()
    )

    # Field labels and plain numbers, not column names and database decimals.
    assert f"Rating changed: Self · {item.competency.localized_name}" in content
    assert '<span class="fw-semibold">Rating</span>: 2 → 4' in content
    assert '<span class="fw-semibold">Reported value</span>: 12 → 18' in content
    assert "verified_value" not in content
    assert "reported_value" not in content
    assert "Chen Lin" in content  # who


def test_phase_moves_and_reopenings_are_listed_with_their_reasons(people, lin_review):

    assessment = services.assessment_get_or_create(
        review=lin_review, assessor=lin_review.person, role=AssessmentRole.SELF
    )
    services.assessment_save(
        assessment=assessment,
        actor=lin_review.person,
        version=0,
        ratings={item.pk: 3 for item in lin_review.cycle.competency_items.all()},
        submit=True,
    )
    services.assessment_reopen(
        assessment=assessment, actor=people["ye.qing"], reason="wrong actual reported"
    )
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )

    content = (
        signed_in(people["ye.qing"])
        .get(reverse("reviews:review_audit", args=[lin_review.pk]))
        .content.decode()
    )

    assert "Assessment reopened: Self" in content
    assert "wrong actual reported" in content
    assert "Phase move" in content
    assert "Peers nominated" in content


@pytest.mark.parametrize("name", ["chen.lin", "zhou.min", "luo.xin", "pan.yu"])
def test_only_hr_reads_the_audit_trail(people, lin_review, name):
    response = signed_in(people[name]).get(reverse("reviews:review_audit", args=[lin_review.pk]))

    assert response.status_code == 403


def test_the_trail_reads_in_the_users_language_with_times_to_the_minute(people, lin_review):

    later = lin_review.cycle.review_deadline + timedelta(days=1)
    services.cycle_extend_deadline(
        cycle=lin_review.cycle,
        phase=Phase.SELF_ASSESSMENT,
        deadline=later,
        actor=people["ye.qing"],
        reason="public holiday",
    )
    hr = signed_in(people["ye.qing"])
    url = reverse("reviews:review_audit", args=[lin_review.pk])

    chinese = hr.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = hr.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # leaves English active

    assert "Deadline extended" in english
    assert "Self-assessment deadline" in english
    assert "public holiday" in english
    assert "截止时间已延长" in chinese
    assert "自评截止时间" in chinese
    assert "阶段变更" in chinese
    shown = timezone.localtime(later)
    # Local time to the minute, in each language's own format.
    assert f"→ {shown.year}年{shown.month}月{shown.day}日 {shown:%H:%M}</div>" in chinese
    assert f"→ {shown:%m/%d/%Y} " in english


def test_hr_reads_the_whole_cycle_trail_with_removed_participants(people, draft_cycle):
    services.cycle_remove_participant(
        review=draft_cycle.reviews.get(person=people["li.na"]), actor=people["ye.qing"]
    )
    url = reverse("reviews:cycle_audit", args=[draft_cycle.pk])

    content = signed_in(people["ye.qing"]).get(url).content.decode()

    assert "Participant removed: Li Na" in content
    assert "Participant added: Chen Lin" in content
    assert "Cycle created" in content


@pytest.mark.parametrize("name", ["chen.lin", "zhou.min", "luo.xin"])
def test_only_hr_reads_a_cycles_trail(people, draft_cycle, name):
    url = reverse("reviews:cycle_audit", args=[draft_cycle.pk])

    assert signed_in(people[name]).get(url).status_code == 403


def test_the_cycle_trail_asks_anonymous_visitors_to_sign_in(draft_cycle, client):
    response = client.get(reverse("reviews:cycle_audit", args=[draft_cycle.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_cycle_trail_costs_the_same_queries_however_long(
    people, open_cycle, django_assert_max_num_queries
):
    hr = signed_in(people["ye.qing"])
    url = reverse("reviews:cycle_audit", args=[open_cycle.pk])
    hr.get(url)
    with django_assert_max_num_queries(20) as short:
        hr.get(url)
    for review in open_cycle.reviews.all():
        rate_all(review)
    with django_assert_max_num_queries(20) as long:
        second = hr.get(url + "?page=2").content.decode()

    assert len(short.captured_queries) == len(long.captured_queries)
    assert "Rating changed: Self" in second


def test_the_audit_trail_never_shows_what_a_peer_answered_next_to_who_they_are(people, lin_review):
    """HR sees that Luo Xin's request was answered (to chase the others), but the ratings
    and the comment on the trail read as a peer's, without values."""
    in_review_with_peers(lin_review, people)
    peer = people["luo.xin"]
    assessment = services.assessment_get_or_create(
        review=lin_review, assessor=peer, role=AssessmentRole.PEER
    )
    services.assessment_save(
        assessment=assessment,
        actor=peer,
        version=0,
        ratings={item.pk: 2 for item in lin_review.cycle.competency_items.all()},
        texts={"comment": "Specs arrive late and change often"},
        submit=True,
    )

    trail = review_audit(review=lin_review)

    answers = [row for row in trail if row.what.startswith(("Rating", "Text", "Comment"))]
    assert answers, [row.what for row in trail]
    assert all(row.who == "a peer" for row in answers)
    assert all(after == "(anonymous)" for row in answers for _label, _before, after in row.changes)
    page = (
        signed_in(people["ye.qing"])
        .get(reverse("reviews:review_audit", args=[lin_review.pk]))
        .content.decode()
    )
    assert "Specs arrive late" not in page
    assert peer.name in page  # the request answered: HR chases the others

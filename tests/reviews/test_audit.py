"""HR reads each review's audit trail: who changed what, when, before and after."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import PEERS

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_changes_made_in_the_browser_are_in_the_audit_trail(people, lin_review):
    pm = signed_in(people["chen.lin"])
    url = reverse("reviews:self_assessment", args=[lin_review.pk])
    item = lin_review.cycle.competency_items.first()
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")
    pm.post(url, {f"rating-{item.pk}": "2", f"actual-{mau.pk}": "12", "version": "0"})
    pm.post(url, {f"rating-{item.pk}": "4", f"actual-{mau.pk}": "18", "version": "1"})

    content = (
        signed_in(people["ye.qing"])
        .get(reverse("reviews:review_audit", args=[lin_review.pk]))
        .content.decode()
    )

    assert f"Self rating: {item.competency}" in content
    assert "<code>value</code>: 2 → 4" in content
    assert "<code>reported_value</code>: 12.0000 → 18.0000" in content
    assert "Chen Lin" in content  # who


def test_phase_moves_and_reopenings_are_listed_with_their_reasons(people, lin_review):
    from reviews import services
    from reviews.models import AssessmentRole

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

    assert "Reopened: Self assessment" in content
    assert "wrong actual reported" in content
    assert "Phase move" in content


@pytest.mark.parametrize("name", ["chen.lin", "zhou.min", "luo.xin", "pan.yu"])
def test_only_hr_reads_the_audit_trail(people, lin_review, name):
    response = signed_in(people[name]).get(reverse("reviews:review_audit", args=[lin_review.pk]))

    assert response.status_code == 403

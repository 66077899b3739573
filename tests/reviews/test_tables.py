"""What HR's paginated tables and the leader's team table show on each row: the rows are
written in Python (reviews/templatetags/review_rows.py), so every branch is pinned here."""

import pytest
from django.urls import reverse

from reviews.models import Calibration, Cycle, PeerRequestStatus, Phase
from tests.builders import signed_in
from tests.factories import PeerRequestFactory

pytestmark = pytest.mark.django_db


def row_of(content: str, name: str) -> str:
    """The <tr> of the table row naming `name`."""
    before, _name, after = content.partition(name)
    return before.rsplit("<tr>", 1)[1] + name + after.split("</tr>", 1)[0]


def test_a_calibrated_row_shows_both_grades_the_reason_and_a_prefilled_form(company):
    cycle, _leader, mine, hr = company
    review = mine[0]  # calibrated to "A" by the fixture
    review.person.name = "Zoë <O'Brien>"
    review.person.save()
    Calibration.objects.filter(review=review).update(reason='Moved up: "launch" & <growth>')

    content = signed_in(hr).get(reverse("reviews:cycle_results", args=[cycle.pk])).content
    row = row_of(content.decode(), "Zoë &lt;O&#x27;Brien&gt;")

    reason = "Moved up: &quot;launch&quot; &amp; &lt;growth&gt;"
    assert f'<span class="badge text-bg-warning" title="{reason}">A</span>' in row
    assert f'<small class="text-body-secondary"><s>{review.result.grade}</s></small>' in row
    assert '<option value="A" selected>A</option>' in row
    assert row.count(" selected") == 1
    assert f'name="reason" placeholder="reason" value="{reason}"' in row
    assert f'action="{reverse("reviews:result_calibrate", args=[review.pk])}' in row
    assert 'name="csrfmiddlewaretoken"' in row
    assert f'href="{reverse("reviews:result_detail", args=[review.pk])}"' in row


def test_an_uncalibrated_row_preselects_its_computed_grade_and_has_no_form_once_published(
    company,
):
    cycle, _leader, mine, hr = company
    review = mine[1]
    grade = review.result.grade
    url = reverse("reviews:cycle_results", args=[cycle.pk])

    calibrating = row_of(signed_in(hr).get(url).content.decode(), review.person.name)
    Cycle.objects.filter(pk=cycle.pk).update(phase=Phase.PUBLISHED)
    published = row_of(signed_in(hr).get(url).content.decode(), review.person.name)

    assert f'<span class="badge text-bg-secondary">{grade}</span>' in calibrating
    assert f'<option value="{grade}" selected>{grade}</option>' in calibrating
    assert 'placeholder="reason" value=""' in calibrating
    assert "<form" not in published
    assert "<td>—</td>" in published


def test_the_cycle_table_shows_progress_and_nominations_waiting_for_approval(company):
    cycle, _leader, mine, hr = company
    review = mine[0]
    for _ in range(2):
        PeerRequestFactory(
            review=review, status=PeerRequestStatus.NOMINATED, nominated_by=review.person
        )

    content = signed_in(hr).get(reverse("reviews:cycle_detail", args=[cycle.pk])).content
    row = row_of(content.decode(), review.person.name)

    audit = reverse("reviews:review_audit", args=[review.pk])
    assert f'<a href="{audit}" title="Audit trail">{review.person.name}</a>' in row
    assert '<span class="badge text-bg-warning">2 to approve</span>' in row
    assert row.count('<span class="badge text-bg-success">Submitted</span>') == 2
    assert "3 / 3" in row  # peers answered / asked
    assert "/remove/" not in row  # only while the cycle is a draft


def test_a_draft_cycle_offers_to_remove_each_participant(company):
    cycle, _leader, mine, hr = company
    Cycle.objects.filter(pk=cycle.pk).update(phase=Phase.DRAFT)

    content = signed_in(hr).get(reverse("reviews:cycle_detail", args=[cycle.pk])).content
    row = row_of(content.decode(), mine[1].person.name)

    remove = reverse("reviews:cycle_participant_remove", args=[cycle.pk, mine[1].pk])
    assert f'<form method="post" action="{remove}">' in row
    assert 'type="submit">Remove</button>' in row


def test_the_leader_sees_links_to_review_and_to_peers_on_each_report(company):
    cycle, leader, mine, _hr = company

    content = signed_in(leader).get(reverse("reviews:team_cycle", args=[cycle.pk])).content
    row = row_of(content.decode(), mine[0].person.name)

    assert f'<a href="{reverse("reviews:leader_review", args=[mine[0].pk])}">Open</a>' in row
    assert f'<a href="{reverse("reviews:peers", args=[mine[0].pk])}">Peers</a>' in row
    assert "Audit trail" not in row


def test_the_rows_are_translated(company):
    cycle, _leader, mine, hr = company
    client = signed_in(hr)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    content = client.get(reverse("reviews:cycle_detail", args=[cycle.pk])).content.decode()

    assert "已提交" in row_of(content, mine[0].person.name)  # "Submitted"

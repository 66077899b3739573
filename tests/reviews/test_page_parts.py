"""The cycle pages' cached parts (reviews/page_parts.py): every change they show appears
on the next request, an autosave of a draft leaves them alone, each reader's forms carry
their own CSRF token, and a refused form is never stored."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from appraisal import versions
from appraisal.services import people_import_csv
from reviews import page_parts, services
from reviews.computation import cycle_compute
from reviews.models import AssessmentRole, Phase, Review
from tests.builders import HR, load_into_cycle, set_phase, signed_in
from tests.factories import make_hr

pytestmark = pytest.mark.django_db


def cycle_version(cycle) -> str:
    return versions.version(page_parts.cycle_version_name(cycle.pk))


def self_assessment(review):
    return services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )


def save(assessment, *, submit=False):
    return services.assessment_save(
        assessment=assessment,
        actor=assessment.assessor,
        version=assessment.version,
        ratings={item.pk: 4 for item in assessment.review.cycle.competency_items.all()},
        submit=submit,
    )


def page(client, url) -> str:
    client.get(url)  # the first answer sets the CSRF cookie that keys the parts
    return client.get(url).content.decode()


def test_an_autosaved_draft_leaves_the_parts_alone_and_a_submission_shows_at_once(
    people, lin_review
):
    hr = signed_in(people[HR])
    url = reverse("reviews:cycle_detail", args=[lin_review.cycle_id])
    assert "Pending" in page(hr, url)
    before = cycle_version(lin_review.cycle)

    draft = save(self_assessment(lin_review))
    assert cycle_version(lin_review.cycle) == before

    save(draft, submit=True)
    assert cycle_version(lin_review.cycle) != before
    row = re.search(r"Chen Lin.*?</tr>", hr.get(url).content.decode(), re.S).group(0)
    assert "Submitted" in row


def test_a_deadline_extension_shows_at_once(people, open_cycle):
    hr = signed_in(people[HR])
    url = reverse("reviews:cycle_detail", args=[open_cycle.pk])
    page(hr, url)
    later = open_cycle.review_deadline + timedelta(days=3)

    services.cycle_extend_deadline(
        cycle=open_cycle, phase=Phase.SELF_ASSESSMENT, deadline=later, actor=people[HR]
    )

    shown = hr.get(url).content.decode()
    assert date_format(timezone.localtime(later), "SHORT_DATETIME_FORMAT") in shown


def test_new_results_and_a_calibration_show_on_the_calibration_table_at_once():
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    set_phase(cycle, Phase.CALIBRATION)
    page_parts.cycle_changed(cycle.pk)  # the phase was written directly, not by a service
    hr_person = make_hr(name="HR Lead")
    hr = signed_in(hr_person)
    url = reverse("reviews:cycle_results", args=[cycle.pk])
    assert "led the pricing launch" not in page(hr, url)

    services.result_calibrate(
        review=reviews["lin"], actor=hr_person, grade="S", reason="led the pricing launch"
    )
    assert "led the pricing launch" in hr.get(url).content.decode()

    Review.objects.filter(pk=reviews["ravi"].pk).update(adjustment=-9, adjustment_reason="x")
    before = hr.get(url).content.decode()
    cycle_compute(cycle_id=cycle.pk)
    assert hr.get(url).content.decode() != before  # the rerun's new scores and ranks


def test_a_renamed_person_shows_at_once_after_the_people_import(people, open_cycle):
    hr = signed_in(people[HR])
    url = reverse("reviews:cycle_detail", args=[open_cycle.pk])
    assert "Chen Lin" in page(hr, url)
    lin = people["chen.lin"]
    row = (
        f"{lin.employee_id},Lin Chen-Renamed,{lin.user.email},{lin.user.username},"
        f"{lin.title},{lin.team.name},{lin.leader.employee_id},yes\n"
    )

    people_import_csv(
        data=(
            "employee_id,name,email,username,title,team,leader_employee_id,is_pm\n" + row
        ).encode(),
        actor_is_admin=True,
    )

    assert "Lin Chen-Renamed" in hr.get(url).content.decode()


def test_each_reader_posts_with_the_token_of_their_own_part(people, open_cycle):
    """A part holds forms: a second HR person is never served the first one's token."""
    second_hr = make_hr(name="HR Two")
    url = reverse("reviews:cycle_detail", args=[open_cycle.pk])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(people[HR].user)
    second.force_login(second_hr.user)
    page(first, url)
    body = page(second, url)

    extend = reverse("reviews:cycle_deadline_extend", args=[open_cycle.pk])
    form = body[body.index(f'action="{extend}"') :]  # the form inside the cached part
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = second.post(
        reverse("reviews:cycle_deadline_extend", args=[open_cycle.pk]),
        {
            "csrfmiddlewaretoken": token,
            "extend-phase": Phase.SELF_ASSESSMENT,
            "extend-deadline": (open_cycle.review_deadline + timedelta(days=1)).strftime(
                "%Y-%m-%d %H:%M"
            ),
        },
    )

    assert response.status_code == 302


def test_a_refused_form_is_shown_with_its_errors_and_never_stored(people, open_cycle):
    hr = signed_in(people[HR])
    url = reverse("reviews:cycle_detail", args=[open_cycle.pk])
    page(hr, url)

    refused = hr.post(
        reverse("reviews:cycle_deadline_extend", args=[open_cycle.pk]),
        {"extend-phase": Phase.SELF_ASSESSMENT, "extend-deadline": "not a date"},
    )

    assert refused.status_code == 400
    assert "is-invalid" in refused.content.decode()
    assert "is-invalid" not in hr.get(url).content.decode()

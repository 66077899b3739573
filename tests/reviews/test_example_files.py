"""The upload pages' example files match what their importer accepts: downloaded, filled in
and uploaded back, they are taken."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reviews import services
from reviews.imports import actuals_import
from reviews.models import AssessmentRole, KpiActual
from tests.builders import GROWTH_PMS, signed_in

pytestmark = pytest.mark.django_db


def _example(open_cycle, person, file_format="csv"):
    url = reverse(f"reviews:actuals_upload_example_{file_format}", args=[open_cycle.pk])
    return signed_in(person).get(url)


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    ("name", "status"),
    [("ye.qing", 200), ("zhou.min", 200), ("chen.lin", 404), ("luo.xin", 404)],
)
def test_who_may_upload_may_download_the_example(open_cycle, people, name, status):
    for file_format in ("csv", "xlsx"):
        assert _example(open_cycle, people[name], file_format).status_code == status


def test_the_example_lists_the_cycles_pms_by_its_kpis_with_blank_values(open_cycle, people):
    response = _example(open_cycle, people["ye.qing"])

    rows = _rows(response)
    kpis = list(open_cycle.kpi_items.values_list("kpi__key", flat=True))
    pms = sorted(people[name].employee_id for name in GROWTH_PMS)
    assert response["Content-Disposition"].startswith("attachment;")
    assert [(row["pm"], row["kpi"]) for row in rows] == [(pm, kpi) for pm in pms for kpi in kpis]
    assert {(row["value"], row["evidence"]) for row in rows} == {("", "")}


def test_the_upload_page_links_its_examples(open_cycle, people):
    content = signed_in(people["ye.qing"]).get(
        reverse("reviews:actuals_upload", args=[open_cycle.pk])
    )
    assert reverse("reviews:actuals_upload_example_csv", args=[open_cycle.pk]) in (
        content.content.decode()
    )


def test_the_csv_example_filled_in_uploads_back(open_cycle, people):
    hr = signed_in(people["ye.qing"])
    rows = _rows(_example(open_cycle, people["ye.qing"]))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["pm", "kpi", "value", "evidence"])
    writer.writeheader()
    writer.writerows({**row, "value": "12.5", "evidence": "report"} for row in rows)
    upload = io.BytesIO(text.getvalue().encode())
    upload.name = "example.csv"

    response = hr.post(reverse("reviews:actuals_upload", args=[open_cycle.pk]), {"file": upload})

    assert response.status_code == 302
    assert KpiActual.objects.filter(review__cycle=open_cycle).count() == len(rows)


def test_the_xlsx_example_filled_in_uploads_back(open_cycle, people):
    workbook = load_workbook(io.BytesIO(_example(open_cycle, people["zhou.min"], "xlsx").content))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        row[2].value = 7
    output = io.BytesIO()
    workbook.save(output)

    count = actuals_import(
        cycle=open_cycle,
        data=output.getvalue(),
        filename="example.xlsx",
        leader_id=people["zhou.min"].pk,
    )

    assert count == sheet.max_row - 1 == KpiActual.objects.count()


def test_a_pm_who_has_submitted_is_left_out_of_the_example(open_cycle, people, lin_review):
    assessment = services.assessment_get_or_create(
        review=lin_review, assessor=lin_review.person, role=AssessmentRole.SELF
    )
    services.assessment_save(
        assessment=assessment,
        actor=lin_review.person,
        version=0,
        ratings={item.pk: 3 for item in open_cycle.competency_items.all()},
        submit=True,
    )

    rows = _rows(_example(open_cycle, people["ye.qing"]))

    assert people["chen.lin"].employee_id not in {row["pm"] for row in rows}
    assert len({row["pm"] for row in rows}) == 3

"""Bulk KPI actuals: all or nothing, every bad row listed, by HR or the PMs' leader."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from reviews import services
from reviews.imports import ActualsRejected, actuals_import
from reviews.models import AssessmentRole, KpiActual

pytestmark = pytest.mark.django_db


def csv_file(*rows: str) -> bytes:
    return ("pm,kpi,value,evidence\n" + "\n".join(rows) + "\n").encode()


def test_hr_uploads_a_csv_of_actuals(open_cycle):
    count = actuals_import(
        cycle=open_cycle,
        data=csv_file("chen.lin,mau_growth,18,https://dash/mau", "DEMO-1003,nps,72,survey"),
        filename="actuals.csv",
        leader_id=None,
    )

    assert count == 2
    lin = KpiActual.objects.get(
        review__person__user__username="chen.lin", item__kpi__key="mau_growth"
    )
    assert (lin.reported_value, lin.evidence) == (18, "https://dash/mau")
    assert (
        KpiActual.objects.get(
            review__person__employee_id="DEMO-1003", item__kpi__key="nps"
        ).reported_value
        == 72
    )


def test_an_xlsx_upload_works_the_same(open_cycle):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["pm", "kpi", "value", "evidence"])
    sheet.append(["wang.fang", "day30_retention", 46.5, "cohort report"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    actuals_import(
        cycle=open_cycle, data=buffer.getvalue(), filename="actuals.xlsx", leader_id=None
    )

    assert KpiActual.objects.get(item__kpi__key="day30_retention").reported_value == pytest.approx(
        46.5
    )


def test_a_file_with_bad_rows_is_refused_whole_and_every_bad_row_is_listed(
    open_cycle, people, lin_review
):
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

    with pytest.raises(ActualsRejected) as rejected:
        actuals_import(
            cycle=open_cycle,
            data=csv_file(
                "wang.fang,mau_growth,12,ok",
                "nobody,mau_growth,1,",
                "li.na,made_up_kpi,1,",
                "zhang.wei,nps,twelve,",
                "zhang.wei,mau_growth,NaN,",
                "li.na,mau_growth,Infinity,",
                "liu.yang,mau_growth,3,",
                "chen.lin,nps,50,",
                "wang.fang,mau_growth,13,again",
            ),
            filename="actuals.csv",
            leader_id=None,
        )

    assert [str(error) for error in rejected.value.errors] == [
        "Line 3: unknown PM “nobody”.",
        "Line 4: unknown KPI “made_up_kpi” (not on this cycle's scorecard).",
        "Line 5: “twelve” is not a finite number.",
        "Line 6: “NaN” is not a finite number.",
        "Line 7: “Infinity” is not a finite number.",
        "Line 8: liu.yang is not in this cycle.",
        "Line 9: chen.lin has submitted: the self-assessment is locked.",
        "Line 10: this PM and KPI are already on line 2.",
    ]
    assert not KpiActual.objects.exists()


def test_a_leader_uploads_only_for_their_own_reports(open_cycle, people):
    services.cycle_add_participants(cycle=open_cycle, people=[people["liu.yang"]])

    with pytest.raises(ActualsRejected) as rejected:
        actuals_import(
            cycle=open_cycle,
            data=csv_file("liu.yang,mau_growth,3,", "chen.lin,mau_growth,4,"),
            filename="a.csv",
            leader_id=people["zhou.min"].pk,
        )

    assert [str(error) for error in rejected.value.errors] == [
        "Line 2: liu.yang is not one of your reports in this cycle."
    ]


def test_the_upload_page_per_role(open_cycle, people):
    url = reverse("reviews:actuals_upload", args=[open_cycle.pk])
    for name, status in (
        ("ye.qing", 200),
        ("zhou.min", 200),
        ("chen.lin", 404),
        ("sarah.johnson", 404),
        ("luo.xin", 404),
    ):
        client = Client()
        client.force_login(people[name].user)
        assert client.get(url).status_code == status, name


def test_the_upload_page_lists_bad_rows(open_cycle, people):
    client = Client()
    client.force_login(people["zhou.min"].user)
    upload = io.BytesIO(csv_file("chen.lin,mau_growth,abc,"))
    upload.name = "actuals.csv"

    response = client.post(
        reverse("reviews:actuals_upload", args=[open_cycle.pk]), {"file": upload}
    )

    assert response.status_code == 400
    assert "Line 2: “abc” is not a finite number." in response.content.decode()
    assert not KpiActual.objects.exists()


def test_an_upload_makes_a_self_assessment_page_opened_before_it_stale(open_cycle, people):
    """The PM's page was read before HR's upload: its next save is refused as a conflict
    and the uploaded value stays, instead of the page writing its old value back."""
    review = open_cycle.reviews.get(person=people["chen.lin"])
    item = open_cycle.kpi_items.get(kpi__key="mau_growth")
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    read_at = services.assessment_save(
        assessment=assessment,
        actor=review.person,
        version=assessment.version,
        ratings={},
        actuals={item.pk: services.ActualInput(value=Decimal(10), evidence="old")},
    ).version

    actuals_import(
        cycle=open_cycle,
        data=csv_file("chen.lin,mau_growth,18,https://dash/mau"),
        filename="actuals.csv",
        leader_id=None,
    )

    with pytest.raises(services.EditConflict):
        services.assessment_save(
            assessment=assessment,
            actor=review.person,
            version=read_at,
            ratings={},
            actuals={item.pk: services.ActualInput(value=Decimal(10), evidence="old")},
        )
    assert KpiActual.objects.get(review=review, item=item).reported_value == 18

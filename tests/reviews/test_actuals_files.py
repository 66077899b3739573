"""Actuals files that must not tie up a worker or slip a bad cell through (issue 19,
items 1, 3 and 8): every refusal names the row, and the import's statements do not grow
with the file's rows."""

import io
import time
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from reviews.imports import ActualsRejected, actuals_import
from reviews.models import AuditEntry, KpiActual

pytestmark = pytest.mark.django_db


def xlsx(*rows, far_cell: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["pm", "kpi", "value", "evidence"])
    for row in rows:
        sheet.append(list(row))
    if far_cell:
        sheet[far_cell] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(cycle, data: bytes, filename: str = "actuals.xlsx") -> list[str]:
    with pytest.raises(ActualsRejected) as rejected:
        actuals_import(cycle=cycle, data=data, filename=filename, leader_id=None)
    return [str(error) for error in rejected.value.errors]


def test_a_sheet_reaching_xfd1048576_is_refused_at_once_with_a_message(open_cycle):
    data = xlsx(("chen.lin", "mau_growth", 18, ""), far_cell="XFD1048576")
    assert len(data) < 10_000

    started = time.perf_counter()
    errors = refusal(open_cycle, data)

    assert time.perf_counter() - started < 2
    assert len(errors) == 1
    assert errors[0].startswith("Line 1: the sheet's used range reaches XFD1048576")
    assert not KpiActual.objects.filter(review__cycle=open_cycle, reported_value=18).exists()


def test_a_sheet_without_a_used_range_is_read_only_up_to_the_cap(open_cycle):
    """The declared range is gone (as some writers leave it): the rows up to a stray cell
    far down are not read one by one to the end."""
    data = xlsx(("chen.lin", "mau_growth", 18, ""), far_cell="XFD1048576")
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(packed, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:XFD1048576" />', b"")
            target.writestr(member, content)

    started = time.perf_counter()
    errors = refusal(open_cycle, packed.getvalue())

    assert time.perf_counter() - started < 5
    assert errors == [
        "Line 100001: the sheet goes on past row 100000: delete the rows after your data."
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(open_cycle):
    packed = io.BytesIO()
    original = io.BytesIO(xlsx(("chen.lin", "mau_growth", 18, "")))
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/media/padding.bin", b"\0" * 50_000_000)
    assert len(packed.getvalue()) < 200_000

    started = time.perf_counter()
    errors = refusal(open_cycle, packed.getvalue())

    assert time.perf_counter() - started < 2
    assert len(errors) == 1
    assert "out of proportion" in errors[0]


def test_a_formula_cell_is_named(open_cycle):
    data = xlsx(("chen.lin", "mau_growth", 18, ""), ("wang.fang", "nps", "=SUM(C2:C2)", ""))

    assert refusal(open_cycle, data) == ["Line 3: C3 holds a formula; paste its value instead."]
    assert not KpiActual.objects.filter(review__cycle=open_cycle, reported_value=18).exists()


@pytest.mark.parametrize("filename", ["actuals.csv", "actuals.xlsx"])
def test_numbers_that_do_not_fit_the_column_are_refused_per_row(open_cycle, filename):
    rows = [
        ("chen.lin", "mau_growth", "1e12", ""),
        ("wang.fang", "nps", "999999999999999999999999999999", ""),
        ("DEMO-1003", "nps", "0.00001", ""),
        ("chen.lin", "nps", "1,5", ""),
        ("wang.fang", "mau_growth", "1,234.5", ""),
    ]
    if filename.endswith(".csv"):
        data = ("pm,kpi,value,evidence\n" + "\n".join(",".join(f'"{cell}"' for cell in row)
                for row in rows) + "\n").encode()  # fmt: skip
    else:
        data = xlsx(*rows)

    assert refusal(open_cycle, data, filename) == [
        "Line 2: 1e12 is too large: at most 12 digits before the decimal point.",
        (
            "Line 3: 999999999999999999999999999999 is too large: at most 12 digits before "
            "the decimal point."
        ),
        "Line 4: 0.00001 has more than 4 decimals.",
        "Line 5: “1,5” is not a finite number.",
    ]
    assert not KpiActual.objects.filter(review__cycle=open_cycle, reported_value=1234.5).exists()


def test_a_float_cell_that_fits_is_read_exactly(open_cycle):
    actuals_import(
        cycle=open_cycle,
        data=xlsx(("chen.lin", "mau_growth", 46.5, ""), ("wang.fang", "nps", 1e11, "")),
        filename="actuals.xlsx",
        leader_id=None,
    )

    values = dict(
        KpiActual.objects.filter(
            review__cycle=open_cycle, reported_value__isnull=False
        ).values_list("review__person__user__username", "reported_value")
    )
    assert str(values["chen.lin"]) in ("46.5", "46.5000")
    assert values["wang.fang"] == 10**11


def _pairs(cycle) -> list[tuple[str, str]]:
    keys = list(cycle.kpi_items.order_by("pk").values_list("kpi__key", flat=True))
    people = cycle.reviews.order_by("pk").values_list("person__employee_id", flat=True)
    return [(pm, key) for pm in people for key in keys]


def _import_counting(cycle, pairs, value: str) -> int:
    data = "pm,kpi,value,evidence\n" + "".join(f"{pm},{key},{value},x\n" for pm, key in pairs)
    with CaptureQueriesContext(connection) as queries:
        actuals_import(cycle=cycle, data=data.encode(), filename="a.csv", leader_id=None)
    return len(queries)


def test_the_import_sends_as_many_statements_for_many_rows_as_for_few(open_cycle):
    pairs = _pairs(open_cycle)
    assert len(pairs) >= 20

    few_new = _import_counting(open_cycle, pairs[:2], "1")
    many_new = _import_counting(open_cycle, pairs[2:], "2")
    few_updated = _import_counting(open_cycle, pairs[:2], "3")
    many_updated = _import_counting(open_cycle, pairs, "4")

    assert few_new == many_new
    assert few_updated == many_updated
    assert set(
        KpiActual.objects.filter(review__cycle=open_cycle).values_list("reported_value", flat=True)
    ) == {4}
    assert AuditEntry.objects.filter(cycle=open_cycle).count() >= 2 * len(pairs) + 2

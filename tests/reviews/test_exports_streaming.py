"""The results exports are streamed (issue 19, item 8): the same files as before, sent in
bounded memory, with as many statements for many results as for few."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from reviews.computation import cycle_compute
from reviews.exports import CHUNK_ROWS, results_csv_chunks
from tests.builders import load_into_cycle, signed_in
from tests.factories import make_hr

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed():
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    return cycle, reviews, make_hr(name="HR Lead")


def test_both_exports_are_streamed_with_the_rows_of_the_results(computed):
    cycle, reviews, hr = computed
    client = signed_in(hr)

    as_csv = client.get(reverse("reviews:cycle_results_export", args=[cycle.pk, "csv"]))
    as_xlsx = client.get(reverse("reviews:cycle_results_export", args=[cycle.pk, "xlsx"]))

    assert as_csv.streaming
    assert as_xlsx.streaming
    assert as_csv["Content-Disposition"] == (f'attachment; filename="results-cycle-{cycle.pk}.csv"')
    assert as_xlsx["Content-Disposition"] == (
        f'attachment; filename="results-cycle-{cycle.pk}.xlsx"'
    )
    csv_rows = list(csv.reader(io.StringIO(as_csv.getvalue().decode("utf-8-sig"))))
    sheet_rows = list(
        load_workbook(io.BytesIO(as_xlsx.getvalue())).active.iter_rows(values_only=True)
    )
    assert len(csv_rows) == len(sheet_rows) == len(reviews) + 1
    assert csv_rows[0] == list(sheet_rows[0])
    names = sorted(review.person.name for review in reviews.values())
    assert sorted(row[3] for row in csv_rows[1:]) == names
    assert sorted(row[3] for row in sheet_rows[1:]) == names


def test_the_csv_is_read_in_as_many_statements_for_many_results_as_for_few(computed, monkeypatch):
    cycle = computed[0]
    with CaptureQueriesContext(connection) as whole:
        whole_file = b"".join(results_csv_chunks(cycle))
    monkeypatch.setattr("reviews.exports.CHUNK_ROWS", 1)
    with CaptureQueriesContext(connection) as by_row:
        chunks = list(results_csv_chunks(cycle))

    assert CHUNK_ROWS == 1000
    assert b"".join(chunks) == whole_file
    assert len(chunks) == whole_file.count(b"\n")  # the header, then one chunk per result
    assert len(whole) <= 6
    assert len(by_row) <= len(whole) + 1  # the cursor reads again, never per result

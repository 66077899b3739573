"""The cycle's results as CSV or XLSX. Every text cell a spreadsheet could read as a
formula (starting with = + - @, a tab or a carriage return) is neutralised with a
leading apostrophe; numbers stay numbers.

Both are made in bounded memory, whatever the size of the company (issue 19, item 8): the
results are read through a database cursor in chunks, without their explanations (3 to 4
KiB a PM that the export does not show); the CSV is sent as it is written, and the XLSX is
written by openpyxl's write-only mode into a temporary file that is then sent.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from kpis.scoring import round_score

from .selectors import cycle_results, effective_grade, flag_labels, flag_texts, item_names

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows read per round trip of the cursor, and CSV rows sent per chunk of the response.
CHUNK_ROWS = 1000


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def result_header() -> list[str]:
    return [
        _("Rank"),
        _("Team rank"),
        _("Employee ID"),
        _("Name"),
        _("Team"),
        _("Leader"),
        _("KPI score"),
        _("Competency score"),
        _("Adjustment"),
        _("Final score"),
        _("Computed grade"),
        _("Calibrated grade"),
        _("Grade"),
        _("Calibration reason"),
        _("Bonus multiplier"),
        _("Flags"),
    ]


def result_rows(cycle) -> Iterator[list]:
    """The export's rows, one result at a time, in the calibration table's default order."""
    multipliers = cycle.scoring_card.bonus_multipliers
    names = item_names(cycle)
    texts = flag_texts()  # translated once, not per row
    results = (
        cycle_results(cycle=cycle).defer("explanation", "digest").iterator(chunk_size=CHUNK_ROWS)
    )
    for result in results:
        review = result.review
        calibration = getattr(review, "calibration", None)
        grade = effective_grade(result)
        yield [
            result.rank,
            result.team_rank,
            review.person.employee_id,
            review.person.name,
            review.team.name,
            review.leader.name,
            None if result.kpi_score is None else round_score(result.kpi_score),
            None if result.competency_score is None else round_score(result.competency_score),
            review.adjustment,
            result.final_score,
            result.grade,
            calibration.grade if calibration else "",
            grade,
            calibration.reason if calibration else "",
            multipliers.get(grade),
            "; ".join(flag_labels(result.flags, names, texts=texts)),
        ]


class _Lines:
    """A file for csv.writer that hands back what was written instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def results_csv_chunks(cycle) -> Iterator[bytes]:
    """The CSV in chunks of CHUNK_ROWS rows, for a streaming response. The rows are read
    while the response is sent, after the view has returned, so the language active now
    is kept for them."""
    language = translation.get_language()
    writer = csv.writer(_Lines())
    # BOM: spreadsheets read the file as UTF-8.
    yield ("\ufeff" + writer.writerow([neutralise(cell) for cell in result_header()])).encode()
    with translation.override(language):
        lines = []
        for row in result_rows(cycle):
            cells = ["" if cell is None else neutralise(cell) for cell in row]
            lines.append(writer.writerow(cells))
            if len(lines) == CHUNK_ROWS:
                yield "".join(lines).encode("utf-8")
                lines = []
        if lines:
            yield "".join(lines).encode("utf-8")


def results_csv(cycle) -> bytes:
    return b"".join(results_csv_chunks(cycle))


def results_xlsx_file(cycle):
    """The XLSX in a temporary file, at its start (deleted when closed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Results")[:31])
    sheet.append([neutralise(cell) for cell in result_header()])
    for row in result_rows(cycle):
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it when sent
    workbook.save(output)
    output.seek(0)
    return output


def _xlsx_cell(sheet, value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def results_xlsx(cycle) -> bytes:
    with results_xlsx_file(cycle) as output:
        return output.read()

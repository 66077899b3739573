"""The cycle's results as CSV or XLSX. Every text cell a spreadsheet could read as a
formula (starting with = + - @, a tab or a carriage return) is neutralised with a
leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kpis.scoring import round_score

from .selectors import cycle_results, effective_grade, flag_labels, item_names

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def result_rows(cycle) -> tuple[list[str], list[list]]:
    header = [
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
    multipliers = cycle.scoring_card.bonus_multipliers
    rows = []
    names = item_names(cycle)
    for result in cycle_results(cycle=cycle):
        review = result.review
        calibration = getattr(review, "calibration", None)
        grade = effective_grade(result)
        rows.append(
            [
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
                "; ".join(flag_labels(result.flags, names)),
            ]
        )
    return header, rows


def results_csv(cycle) -> bytes:
    header, rows = result_rows(cycle)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets read UTF-8


def results_xlsx(cycle) -> bytes:

    header, rows = result_rows(cycle)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Results")[:31]
    sheet.append([neutralise(cell) for cell in header])
    for row in rows:
        sheet.append(
            [float(cell) if isinstance(cell, Decimal) else neutralise(cell) for cell in row]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

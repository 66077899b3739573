"""Bulk KPI actuals from a CSV or XLSX file: all or nothing, every bad row listed.

Columns: `pm` (employee ID or username), `kpi` (catalog key), `value`, `evidence`. The
values are written as the PMs' reported actuals, as if each PM had typed them, so the
same rules hold: the cycle must be in self-assessment before its deadline, and a PM whose
self-assessment is submitted (locked) cannot be changed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from appraisal.bulk import update_from_values
from appraisal.models import Person
from appraisal.services import RowError
from kpis.models import MEASURE

from .audit import audit_entry, audit_record_many, changes_of
from .models import Assessment, AssessmentRole, AuditAction, Cycle, KpiActual, Phase, Review
from .services import ReviewError, within_deadline

COLUMNS = ("pm", "kpi", "value", "evidence")
MAX_ROWS = 50_000
# An XLSX is a zip archive: what it may unpack to. 50,000 rows of four columns take about
# 20 MB of sheet XML; a real workbook unpacks to 5 to 30 times its size, a zip bomb to
# thousands of times.
MAX_COLUMNS = 50
MAX_SHEET_ROWS = 2 * MAX_ROWS  # empty rows between the data are allowed, up to this row
WRITE_BATCH = 500  # rows per INSERT or UPDATE statement
MAX_XLSX_UNPACKED = 100_000_000
MAX_XLSX_RATIO = 200
XLSX_RATIO_FLOOR = 2_000_000  # below this, any ratio is harmless
MAX_XLSX_MEMBERS = 1000
# KpiActual's reported_value: DecimalField(max_digits=16, decimal_places=4) (kpis.MEASURE).
VALUE_DECIMAL_PLACES = MEASURE["decimal_places"]
VALUE_INTEGER_DIGITS = MEASURE["max_digits"] - MEASURE["decimal_places"]


class ActualsRejected(Exception):  # noqa: N818 - the file was refused, as the domain says
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class _Row:
    line: int
    pm: str
    kpi: str
    value: object
    evidence: str


def _rows_from_csv(data: bytes) -> list[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActualsRejected([RowError(1, _("the file is not UTF-8 text."))]) from None
    if "\x00" in text:
        raise ActualsRejected([RowError(1, _("the file contains a NUL character."))])
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        rows = []
        for raw in reader:
            if any(cell.strip() for cell in raw):
                values = dict(zip(header, raw, strict=False))
                rows.append(
                    _Row(
                        reader.line_num,
                        values.get("pm", "").strip(),
                        values.get("kpi", "").strip(),
                        values.get("value", "").strip(),
                        values.get("evidence", "").strip(),
                    )
                )
    except csv.Error as error:
        raise ActualsRejected(
            [RowError(reader.line_num, _("unreadable CSV: %(error)s") % {"error": error})]
        ) from None
    _check_header(header)
    return rows


def _refuse(message: str, line: int = 1) -> ActualsRejected:
    return ActualsRejected([RowError(line, message)])


def _check_archive(data: bytes) -> None:
    """Refuse, before openpyxl parses anything, an archive that would unpack to far more
    than it weighs (a "zip bomb") or to more than any real actuals file holds."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(_("the file is not a readable XLSX workbook.")) from None
    unpacked = sum(member.file_size for member in members)
    if (
        len(members) > MAX_XLSX_MEMBERS
        or unpacked > MAX_XLSX_UNPACKED
        or (unpacked > XLSX_RATIO_FLOOR and unpacked > MAX_XLSX_RATIO * len(data))
    ):
        raise _refuse(
            _(
                "the workbook unpacks to %(size)s MB, out of proportion to its %(packed)s KB: "
                "save only the actuals sheet, as values, in a new workbook."
            )
            % {"size": round(unpacked / 1_000_000, 1), "packed": round(len(data) / 1000, 1)}
        )


def _rows_from_xlsx(data: bytes) -> list[_Row]:
    _check_archive(data)
    try:
        # Read-only streams the sheet; formulas are kept (data_only=False) so that a formula
        # cell is named, not read as whatever value Excel last cached for it.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as error:
        raise _refuse(_("the file is not a readable XLSX workbook.")) from error
    try:
        return _sheet_rows(sheet)
    except ActualsRejected:
        raise
    except Exception as error:
        raise _refuse(_("the file is not a readable XLSX workbook.")) from error
    finally:
        workbook.close()


def _sheet_rows(sheet) -> list[_Row]:
    # The declared used range ("A1:XFD1048576") is what openpyxl would pad every row and
    # the sheet to: a 5 KB file would keep a worker busy for good. It is checked, then
    # ignored: only the cells the sheet really holds are read, within the caps.
    if (sheet.max_row or 0) > MAX_SHEET_ROWS or (sheet.max_column or 0) > MAX_COLUMNS:
        raise _refuse(
            _(
                "the sheet's used range reaches %(cell)s: an actuals sheet is read up to "
                "row %(rows)s and column %(column)s. Delete the rows and columns after your "
                "data, or paste the data into a new workbook."
            )
            % {
                "cell": f"{get_column_letter(sheet.max_column or 1)}{sheet.max_row or 1}",
                "rows": MAX_SHEET_ROWS,
                "column": get_column_letter(MAX_COLUMNS),
            }
        )
    sheet.reset_dimensions()
    rows_iter = sheet.iter_rows(max_col=MAX_COLUMNS)
    header_cells = next(rows_iter, ())
    _check_formulas(header_cells, 1)
    header = [str(cell.value or "").strip().lower() for cell in header_cells]
    _check_header(header)
    positions = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for line, cells in enumerate(rows_iter, start=2):
        if line > MAX_SHEET_ROWS:
            # Without a declared range, a row far down (a stray cell at row 1,048,576)
            # comes after a gap openpyxl fills row by row: stop at the cap.
            raise _refuse(
                _("the sheet goes on past row %(rows)s: delete the rows after your data.")
                % {"rows": MAX_SHEET_ROWS},
                line,
            )
        if not any(cell.value not in (None, "") for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise _refuse(_("the file has more than %(max)s rows.") % {"max": MAX_ROWS}, line)
        _check_formulas(cells, line)

        def value(name: str, cells=cells):
            index = positions.get(name)
            return cells[index].value if index is not None and index < len(cells) else None

        rows.append(
            _Row(
                line,
                str(value("pm") or "").strip(),
                str(value("kpi") or "").strip(),
                value("value"),
                str(value("evidence") or "").strip(),
            )
        )
    return rows


PLAIN_VALUES = (str, int, float, date, time, timedelta)


def _check_formulas(cells, line: int) -> None:
    """Refuse the first formula in the row, by its cell: an array formula comes as an
    object, any other as its text ("=SUM(B2:B9)")."""
    for cell in cells:
        value = cell.value
        if value is None:
            continue
        if (
            cell.data_type == "f"
            or (isinstance(value, str) and value.startswith("="))
            or not isinstance(value, PLAIN_VALUES)
        ):
            raise _refuse(
                _("%(cell)s holds a formula; paste its value instead.") % {"cell": cell.coordinate},
                line,
            )


def _check_header(header: list[str]) -> None:
    missing = [column for column in ("pm", "kpi", "value") if column not in header]
    if missing:
        raise ActualsRejected(
            [
                RowError(
                    1,
                    _("missing column(s): %(columns)s. Expected columns: %(expected)s.")
                    % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)},
                )
            ]
        )


def actuals_example_csv(rows: list[tuple[str, str]]) -> bytes:
    """An example file this importer accepts: its columns, one row per (PM, KPI), the
    value and evidence left for the uploader to fill in."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((pm, kpi, "", "") for pm, kpi in rows)
    return text.getvalue().encode("utf-8")


def actuals_example_xlsx(rows: list[tuple[str, str]]) -> bytes:
    """The same example as an XLSX workbook (one sheet)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("actuals")
    sheet.append(list(COLUMNS))
    for pm, kpi in rows:
        sheet.append([pm, kpi, None, None])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# A plain number, "." for decimals; commas only as thousands separators in groups of
# three ("1,234.5"). "1,5" is refused, not read as 15: the file says which it means.
NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?([eE][+-]?\d+)?")


def _number(value: object) -> Decimal:
    """The cell as a Decimal; ValueError when it is not a finite number."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = str(value).strip()
        if not NUMBER.fullmatch(text):
            raise ValueError
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _fits_column(number: Decimal) -> str | None:
    """Why the number does not fit KpiActual's column, if it does not."""
    if number.adjusted() >= VALUE_INTEGER_DIGITS:
        return _("%(value)s is too large: at most %(digits)s digits before the decimal point.")
    if number.as_tuple().exponent < -VALUE_DECIMAL_PLACES and number != number.quantize(
        Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)
    ):
        return _("%(value)s has more than %(places)s decimals.")
    return None


@transaction.atomic
def actuals_import(
    *,
    cycle: Cycle,
    data: bytes,
    filename: str,
    leader_id: int | None,
    actor: Person | None = None,
) -> int:
    """Write the file's actuals as reported values; returns how many were written.

    `leader_id` limits the upload to that leader's reviews (None: HR, every review).
    Raises ActualsRejected listing every bad row; then nothing is written.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not within_deadline(cycle, Phase.SELF_ASSESSMENT):
        raise ReviewError(
            _("Actuals can be uploaded only during self-assessment, before its deadline.")
        )
    rows = _rows_from_xlsx(data) if filename.lower().endswith(".xlsx") else _rows_from_csv(data)
    if not rows:
        raise ActualsRejected([RowError(1, _("the file has no rows."))])
    if len(rows) > MAX_ROWS:
        raise ActualsRejected(
            [RowError(1, _("the file has more than %(max)s rows.") % {"max": MAX_ROWS})]
        )

    reviews: dict[str, _Review] = {}
    for pk, leader, employee_id, username in Review.objects.filter(cycle=cycle).values_list(
        "pk", "leader_id", "person__employee_id", "person__user__username"
    ):
        reviews[employee_id.lower()] = reviews[username.lower()] = _Review(pk, leader)
    # Only the PMs not in the cycle are looked up, to tell "not in this cycle" from unknown.
    strangers = {row.pm for row in rows if row.pm and row.pm.lower() not in reviews}
    known_people = {
        value.lower()
        for pair in Person.objects.filter(
            Q(employee_id__in=strangers) | Q(user__username__in=strangers)
        ).values_list("employee_id", "user__username")
        for value in pair
    }
    items = {item.kpi.key: item for item in cycle.kpi_items.select_related("kpi")}
    # The cycle's self-assessments are locked first, as a PM's own save locks theirs first:
    # a PM saving or submitting waits for this upload (and is then refused as stale), and
    # this upload waits for them, so neither writes over the other.
    locked = {
        review_id
        for review_id, submitted_at in Assessment.objects.select_for_update(of=("self",))
        .filter(review__cycle=cycle, role=AssessmentRole.SELF)
        .values_list("review_id", "submitted_at")
        if submitted_at is not None
    }
    errors: list[RowError] = []
    parsed: dict[tuple[int, int], tuple[Decimal, str, int]] = {}
    for row in rows:
        problems = []
        review = reviews.get(row.pm.lower())
        if not row.pm:
            problems.append(_("pm is empty."))
        elif review is None:
            if row.pm.lower() in known_people:
                problems.append(_("%(pm)s is not in this cycle.") % {"pm": row.pm})
            else:
                problems.append(_("unknown PM “%(pm)s”.") % {"pm": row.pm})
        elif leader_id is not None and review.leader_id != leader_id:
            problems.append(_("%(pm)s is not one of your reports in this cycle.") % {"pm": row.pm})
        elif review.pk in locked:
            problems.append(
                _("%(pm)s has submitted: the self-assessment is locked.") % {"pm": row.pm}
            )
        item = items.get(row.kpi)
        if item is None:
            problems.append(
                _("unknown KPI “%(kpi)s” (not on this cycle's scorecard).") % {"kpi": row.kpi}
            )
        try:
            value = _number(row.value)
        except ValueError:
            problems.append(_("“%(value)s” is not a finite number.") % {"value": row.value})
            value = None
        else:
            misfit = _fits_column(value)
            if misfit:
                problems.append(
                    misfit
                    % {
                        "value": row.value,
                        "digits": VALUE_INTEGER_DIGITS,
                        "places": VALUE_DECIMAL_PLACES,
                    }
                )
        if len(row.evidence) > 2000:
            problems.append(_("evidence is longer than 2000 characters."))
        if review is not None and item is not None and (review.pk, item.pk) in parsed:
            problems.append(
                _("this PM and KPI are already on line %(line)s.")
                % {"line": parsed[(review.pk, item.pk)][2]}
            )
        if problems:
            errors.extend(RowError(row.line, problem) for problem in problems)
        else:
            parsed[(review.pk, item.pk)] = (value, row.evidence, row.line)
    if errors:
        raise ActualsRejected(errors)

    _write_actuals(cycle=cycle, parsed=parsed, actor=actor, filename=filename)
    return len(parsed)


@dataclass(frozen=True)
class _Review:
    pk: int
    leader_id: int | None


def _write_actuals(*, cycle: Cycle, parsed: dict, actor: Person | None, filename: str) -> None:
    """Write the checked rows: set-based, a statement per batch of rows, whatever the size."""
    review_ids = {review_id for review_id, _item in parsed}
    actuals = KpiActual.objects.select_for_update().filter(review_id__in=review_ids)
    existing = {
        (review_id, item_id): (pk, reported_value, evidence)
        for pk, review_id, item_id, reported_value, evidence in actuals.values_list(
            "pk", "review_id", "item_id", "reported_value", "evidence"
        )
    }
    created, updated, entries = [], [], []
    for (review_id, item_id), (value, evidence, _line) in parsed.items():
        actual = existing.get((review_id, item_id))
        before = {"reported_value": None, "evidence": ""}
        if actual is None:
            created.append(
                # Version 1: a leader's page that read "no actual here" (0) is stale now.
                KpiActual(
                    review_id=review_id,
                    item_id=item_id,
                    reported_value=value,
                    evidence=evidence,
                    version=1,
                )
            )
        else:
            pk, reported_value, old_evidence = actual
            before = {"reported_value": reported_value, "evidence": old_evidence}
            updated.append((pk, value, evidence))
        changes = changes_of("kpiactual", before, {"reported_value": value, "evidence": evidence})
        if changes:
            entries.append(
                audit_entry(
                    cycle=cycle,
                    review=review_id,
                    action=AuditAction.ACTUAL_IMPORTED,
                    actor=actor,
                    subject={"kpi": item_id},
                    changes=changes,
                    reason=filename,
                )
            )
    KpiActual.objects.bulk_create(created, batch_size=WRITE_BATCH)
    update_from_values(KpiActual, ["reported_value", "evidence"], updated, bump="version")
    # The actuals are part of the PM's self-assessment page: moving its version on makes a
    # page opened before the upload refuse its next save ("someone saved after you opened
    # it") instead of writing its old values back over the upload.
    Assessment.objects.filter(review_id__in=review_ids, role=AssessmentRole.SELF).update(
        version=F("version") + 1
    )
    audit_record_many(entries)

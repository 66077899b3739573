"""Bulk KPI actuals from a CSV or XLSX file: all or nothing, every bad row listed.

Columns: `pm` (employee ID or username), `kpi` (catalog key), `value`, `evidence`. The
values are written as the PMs' reported actuals, as if each PM had typed them, so the
same rules hold: the cycle must be in self-assessment before its deadline, and a PM whose
self-assessment is submitted (locked) cannot be changed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from appraisal.models import Person
from appraisal.services import RowError

from .audit import audit_entry, audit_record_many, changes_of
from .models import Assessment, AssessmentRole, AuditAction, Cycle, KpiActual, Phase, Review
from .services import ReviewError, within_deadline

COLUMNS = ("pm", "kpi", "value", "evidence")
MAX_ROWS = 50_000


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


def _rows_from_xlsx(data: bytes) -> list[_Row]:

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise ActualsRejected(
            [RowError(1, _("the file is not a readable XLSX workbook."))]
        ) from error
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header = [str(cell or "").strip().lower() for cell in next(rows_iter, ())]
    _check_header(header)
    rows = []
    for line, raw in enumerate(rows_iter, start=2):
        values = dict(zip(header, raw, strict=False))
        if any(cell not in (None, "") for cell in raw):
            rows.append(
                _Row(
                    line,
                    str(values.get("pm") or "").strip(),
                    str(values.get("kpi") or "").strip(),
                    values.get("value"),
                    str(values.get("evidence") or "").strip(),
                )
            )
        if len(rows) > MAX_ROWS:
            break
    return rows


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


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


@transaction.atomic
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

    reviews = {}
    for review in Review.objects.filter(cycle=cycle).select_related("person__user"):
        reviews[review.person.employee_id.lower()] = review
        reviews[review.person.user.username.lower()] = review
    known_people = {
        value.lower()
        for pair in Person.objects.filter(
            Q(employee_id__in=[row.pm for row in rows])
            | Q(user__username__in=[row.pm for row in rows])
        ).values_list("employee_id", "user__username")
        for value in pair
    }
    items = {item.kpi.key: item for item in cycle.kpi_items.select_related("kpi")}
    locked = set(
        Assessment.objects.filter(
            review__cycle=cycle, role=AssessmentRole.SELF, submitted_at__isnull=False
        ).values_list("review_id", flat=True)
    )
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

    existing = {
        (actual.review_id, actual.item_id): actual
        for actual in KpiActual.objects.select_for_update().filter(review__cycle=cycle)
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
            before = {"reported_value": actual.reported_value, "evidence": actual.evidence}
            actual.reported_value, actual.evidence = value, evidence
            actual.version += 1
            updated.append(actual)
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
    KpiActual.objects.bulk_create(created)
    KpiActual.objects.bulk_update(updated, ["reported_value", "evidence", "version"])
    # The actuals are part of the PM's self-assessment page: moving its version on makes a
    # page opened before the upload refuse its next save ("someone saved after you opened
    # it") instead of writing its old values back over the upload.
    Assessment.objects.filter(
        review_id__in={review_id for review_id, _item in parsed}, role=AssessmentRole.SELF
    ).update(version=F("version") + 1)
    audit_record_many(entries)
    return len(parsed)

"""The audit trail: every service that changes something records it here, in its own
transaction, bulk writes included (Zulip's `RealmAuditLog` way), and the audit page reads it
back in the reader's language.

An entry keeps raw values (`changes`: [field, before, after], `field` as "model.field"), so
the page names each field by its model's verbose name and formats each value by its type
when it is read: the same entry shows in English or Chinese, numbers without trailing
zeros, times in the reader's time zone to the minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Model, Q
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Person
from reviews import page_parts

from .models import AssessmentRole, AuditAction, AuditEntry, Cycle, Review

NOTHING = "—"

# Changes to the whole cycle, shown on each of its reviews' trails too.
CYCLE_ACTIONS = (AuditAction.CYCLE_CREATED, AuditAction.PHASE_MOVED, AuditAction.DEADLINE_EXTENDED)


def _json(value):
    """A value as JSON keeps it: numbers as exact text, times as ISO text, rows as ids."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_json(item) for item in value]
    return value


def change(field_name: str, before, after) -> list:
    """One [field, before, after] of an entry; `field_name` is "model.field"."""
    return [field_name, _json(before), _json(after)]


def changes_of(model_name: str, before: dict, after: dict) -> list[list]:
    """The changes between two {field: value} readings of one row, fields that differ only."""
    return [
        change(f"{model_name}.{name}", before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    ]


def audit_entry(
    *,
    cycle: Cycle | int,
    action: str,
    actor: Person | None,
    review: Review | int | None = None,
    subject: dict | None = None,
    changes: Iterable[list] = (),
    reason: str = "",
) -> AuditEntry:
    """An entry, not yet saved (for `audit_record_many`)."""
    return AuditEntry(
        cycle_id=cycle if isinstance(cycle, int) else cycle.pk,
        review_id=review if isinstance(review, int | None) else review.pk,
        actor=actor,
        at=timezone.now(),
        action=action,
        subject={key: _json(value) for key, value in (subject or {}).items()},
        changes=list(changes),
        reason=reason,
    )


def _check_in_transaction() -> None:
    # The entry must commit or roll back with the change it records.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An audit entry is written inside the service's transaction.")


def audit_record(**kwargs) -> AuditEntry:
    """Write one entry (the keyword arguments of `audit_entry`). The cached parts of the
    cycle's pages that show such a change are refreshed after commit (page_parts)."""
    _check_in_transaction()
    entry = audit_entry(**kwargs)
    entry.save()
    page_parts.note_actions({(entry.cycle_id, entry.action)})
    return entry


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Write the entries of a bulk change in one statement."""
    _check_in_transaction()
    written = AuditEntry.objects.bulk_create(list(entries))
    page_parts.note_actions({(entry.cycle_id, entry.action) for entry in written})
    return written


# --- reading --------------------------------------------------------------------------------


# What a peer answers: never shown on an audit page (see `_rows`).
PEER_ANSWER_FIELDS = {"rating.value", "assessment.comment"}
HIDDEN = gettext_lazy("(anonymous)")


@dataclass
class AuditRow:
    """An entry as the audit page shows it."""

    when: datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, before, after
    reason: str = ""
    review: Review | None = None  # the review it is about, if any


def _model_field(field_name: str):
    """The model field a change names: "model.field" in reviews, or "app.model.field" for
    the apps built on reviews (growth), which record their entries here too."""
    try:
        app_label, model_name, name = ["reviews", *field_name.split(".")][-3:]
        return apps.get_model(app_label, model_name)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist, ValueError):
        return None


def _is_person(model_field) -> bool:
    return model_field is not None and getattr(model_field, "related_model", None) is Person


def _number(text) -> str:
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        return str(text)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    return formats.number_format(number, use_l10n=True)


def _day(text) -> str:
    try:
        return formats.date_format(date.fromisoformat(str(text)), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(text)


def _time(text) -> str:
    moment = parse_datetime(str(text))
    if moment is None:
        return str(text)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


class _Names:
    """Names of the items and people entries refer to, read once per page."""

    def __init__(self, cycle: Cycle, person_ids: set[int]):
        self.competencies = {
            item.pk: item.competency.localized_name
            for item in cycle.competency_items.select_related("competency")
        }
        self.kpis = {
            item.pk: item.kpi.localized_name for item in cycle.kpi_items.select_related("kpi")
        }
        self.people = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))

    def person(self, pk) -> str:
        return self.people.get(pk, NOTHING)


def _value_text(field_name: str, value, names: _Names) -> str:
    if value in (None, "", []):
        return NOTHING
    if field_name == "peerrequest.peers":
        return ", ".join(sorted(names.person(pk) for pk in value))
    model_field = _model_field(field_name)
    if model_field is None:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if _is_person(model_field):
        return names.person(value)
    internal = model_field.get_internal_type()
    if internal == "DateField":
        return _day(value)
    if internal == "DecimalField":
        return _number(value)
    if internal == "DateTimeField":
        return _time(value)
    if internal == "BooleanField":
        return _("Yes") if value else _("No")
    return str(value)


def _label(field_name: str) -> str:
    if field_name == "peerrequest.peers":
        return _("peers")
    model_field = _model_field(field_name)
    return str(model_field.verbose_name) if model_field is not None else field_name


def _what(entry: AuditEntry, names: _Names) -> str:
    """The action, and what it is about: an item, a role, a person."""
    subject = entry.subject
    parts = [entry.action_label]
    if "role" in subject:
        parts.append(str(AssessmentRole(subject["role"]).label))
    if "competency" in subject:
        parts.append(names.competencies.get(subject["competency"], NOTHING))
    if "kpi" in subject:
        parts.append(names.kpis.get(subject["kpi"], NOTHING))
    if "person" in subject:
        parts.append(names.person(subject["person"]))
    if "what" in subject:  # a development action, named by its text when written
        parts.append(str(subject["what"]))
    return parts[0] + (": " + " · ".join(parts[1:]) if len(parts) > 1 else "")


def _person_ids(entries: list[AuditEntry]) -> set[int]:
    ids = {entry.subject["person"] for entry in entries if "person" in entry.subject}
    for entry in entries:
        for field_name, before, after in entry.changes:
            if field_name == "peerrequest.peers":
                ids.update(before or [])
                ids.update(after or [])
            elif _is_person(_model_field(field_name)):
                ids.update(pk for pk in (before, after) if pk is not None)
    return ids


def _is_peers_own(entry: AuditEntry) -> bool:
    """A peer's own change to their answers (ratings, comment, submission)."""
    return entry.subject.get("role") == AssessmentRole.PEER and "person" not in entry.subject


def _rows(entries: list[AuditEntry], cycle: Cycle) -> list[AuditRow]:
    """Entries as the page shows them. A peer's own changes to their answers show neither
    who made them nor the values (the entry keeps both): peers are anonymous on every page,
    HR's included, which still shows whose request was answered so HR can chase the rest."""
    names = _Names(cycle, _person_ids(entries))
    rows = []
    for entry in entries:
        is_peers_own = _is_peers_own(entry)
        rows.append(
            AuditRow(
                when=entry.at,
                who=_("a peer")
                if is_peers_own
                else (entry.actor.name if entry.actor else _("system")),
                what=_what(entry, names),
                changes=[
                    (
                        _label(field_name),
                        _value_text(field_name, before, names),
                        _value_text(field_name, after, names),
                    )
                    if not (is_peers_own and field_name in PEER_ANSWER_FIELDS)
                    else (_label(field_name), HIDDEN, HIDDEN)
                    for field_name, before, after in entry.changes
                ],
                reason=entry.reason,
                review=entry.review,
            )
        )
    return rows


def review_audit(*, review: Review) -> list[AuditRow]:
    """Every recorded change to a review, and the changes to its cycle (phase moves,
    deadlines), newest first, named and formatted in the active language. Four queries,
    however long the trail."""
    entries = list(
        AuditEntry.objects.filter(
            Q(review=review)
            | Q(cycle=review.cycle_id, review__isnull=True, action__in=CYCLE_ACTIONS)
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    return _rows(entries, review.cycle)


def cycle_audit_page(*, cycle: Cycle, number, per_page: int) -> Page:
    """One page of every change in the cycle, newest first: its own and each review's,
    participants removed included. A fixed handful of queries per page."""
    page = Paginator(
        AuditEntry.objects.filter(cycle=cycle)
        .select_related("actor", "review__person")
        .order_by("-at", "-pk"),
        per_page,
    ).get_page(number)
    page.object_list = _rows(list(page.object_list), cycle)
    return page


__all__ = [
    "AuditAction",
    "AuditRow",
    "audit_entry",
    "audit_record",
    "audit_record_many",
    "change",
    "changes_of",
    "cycle_audit_page",
    "review_audit",
]

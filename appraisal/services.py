"""Writes to the organisation: the all-or-nothing import of people from an HR system."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Person, Team

PEOPLE_CSV_COLUMNS = (
    "employee_id",
    "name",
    "email",
    "username",
    "title",
    "team",
    "leader_employee_id",
    "is_pm",
)
REQUIRED_COLUMNS = ("employee_id", "name", "email", "team")
TRUE_WORDS = {"yes", "y", "true", "1", "是"}
FALSE_WORDS = {"no", "n", "false", "0", "否", ""}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ImportRejected(Exception):  # noqa: N818 - the domain word reads better than "...Error"
    """The whole file was refused; `errors` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    employee_id: str
    name: str
    email: str
    username: str
    title: str
    team: str
    leader_employee_id: str
    is_pm: bool


def _read_rows(data: bytes) -> tuple[list[_Row], list[RowError]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(1, _("the file is not UTF-8 text; export it as UTF-8 CSV."))]
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        return [], [
            RowError(
                1,
                _("missing column(s): %(columns)s. Expected columns: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ", ".join(PEOPLE_CSV_COLUMNS)},
            )
        ]
    reader.fieldnames = header
    rows: list[_Row] = []
    errors: list[RowError] = []
    for raw in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in raw.items() if key}
        if not any(values.values()):
            continue
        is_pm_word = values.get("is_pm", "").lower()
        if is_pm_word not in TRUE_WORDS | FALSE_WORDS:
            errors.append(
                RowError(
                    line, _("is_pm must be yes or no, not “%(value)s”.") % {"value": is_pm_word}
                )
            )
        email = values.get("email", "")
        rows.append(
            _Row(
                line=line,
                employee_id=values.get("employee_id", ""),
                name=values.get("name", ""),
                email=email,
                username=values.get("username", "") or email.split("@")[0],
                title=values.get("title", ""),
                team=values.get("team", ""),
                leader_employee_id=values.get("leader_employee_id", ""),
                is_pm=is_pm_word in TRUE_WORDS,
            )
        )
    return rows, errors


def _leader_loop(start: str, leader_of: dict[str, str]) -> list[str] | None:
    """The chain of employee IDs from `start` back to itself, if following leaders loops."""
    chain = [start]
    seen = {start}
    current = leader_of.get(start, "")
    while current:
        if current == start:
            return [*chain, start]
        if current in seen:
            return None  # a loop further up the chain; it is reported on its own rows
        chain.append(current)
        seen.add(current)
        current = leader_of.get(current, "")
    return None


def _validate(rows: list[_Row]) -> list[RowError]:
    errors: list[RowError] = []
    user_model = get_user_model()
    teams = set(Team.objects.values_list("name", flat=True))
    existing = {
        person["employee_id"]: person
        for person in Person.objects.values("employee_id", "leader__employee_id", "user__username")
    }
    file_ids = [row.employee_id for row in rows]
    usernames_taken = dict(
        user_model.objects.filter(username__in=[row.username for row in rows]).values_list(
            "username", "person__employee_id"
        )
    )
    seen_ids: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}

    for row in rows:
        problems: list[str] = []
        for column in REQUIRED_COLUMNS:
            if not getattr(row, column):
                problems.append(_("%(column)s is empty.") % {"column": column})
        if row.employee_id in seen_ids:
            problems.append(
                _("employee_id %(id)s is already on line %(line)s.")
                % {"id": row.employee_id, "line": seen_ids[row.employee_id]}
            )
        seen_ids.setdefault(row.employee_id, row.line)
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                problems.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})
        if row.team and row.team not in teams:
            problems.append(_("unknown team “%(team)s”.") % {"team": row.team})
        if row.leader_employee_id and (
            row.leader_employee_id not in existing and row.leader_employee_id not in file_ids
        ):
            problems.append(
                _("unknown leader employee_id “%(id)s”.") % {"id": row.leader_employee_id}
            )
        if row.username:
            owner = usernames_taken.get(row.username, row.employee_id)
            if owner != row.employee_id:
                problems.append(
                    _("username “%(username)s” already belongs to someone else.")
                    % {"username": row.username}
                )
            if row.username in seen_usernames:
                problems.append(
                    _("username “%(username)s” is already on line %(line)s.")
                    % {"username": row.username, "line": seen_usernames[row.username]}
                )
            seen_usernames.setdefault(row.username, row.line)
        errors.extend(RowError(row.line, problem) for problem in problems)

    # Leader loops, on the organisation as it would be after the import.
    leader_of = {eid: person["leader__employee_id"] or "" for eid, person in existing.items()}
    leader_of.update({row.employee_id: row.leader_employee_id for row in rows})
    for row in rows:
        loop = _leader_loop(row.employee_id, leader_of) if row.employee_id else None
        if loop:
            errors.append(
                RowError(row.line, _("leader loop: %(chain)s.") % {"chain": " → ".join(loop)})
            )
    return sorted(errors, key=lambda error: error.line)


@transaction.atomic
def people_import_csv(*, data: bytes) -> ImportSummary:
    """Create or update people from an HR-system CSV export, all or nothing.

    People are matched by `employee_id`. A new person gets a user account with no usable
    password (they set one through "forgot password"). Raises `ImportRejected` listing
    every bad row; then nothing is written.
    """
    rows, errors = _read_rows(data)
    errors += _validate(rows) if rows else []
    if not rows and not errors:
        errors = [RowError(1, _("the file has no people in it."))]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.line))

    user_model = get_user_model()
    teams = {team.name: team for team in Team.objects.all()}
    people = {
        person.employee_id: person
        for person in Person.objects.select_related("user")
        .select_for_update()
        .filter(employee_id__in=[row.employee_id for row in rows])
    }
    summary = ImportSummary()

    new_users = [
        user_model(username=row.username, email=row.email, first_name=row.name[:150])
        for row in rows
        if row.employee_id not in people
    ]
    for user in new_users:
        user.set_unusable_password()
    user_model.objects.bulk_create(new_users)
    users_by_name = {
        user.username: user
        for user in user_model.objects.filter(username__in=[user.username for user in new_users])
    }

    changed_users = []
    new_people = []
    for row in rows:
        person = people.get(row.employee_id)
        if person is None:
            person = Person(employee_id=row.employee_id, user=users_by_name[row.username])
            new_people.append(person)
            summary.created.append(row.employee_id)
        else:
            person.user.email, person.user.username = row.email, row.username
            changed_users.append(person.user)
            summary.updated.append(row.employee_id)
        person.name = row.name
        person.title = row.title
        person.team = teams[row.team]
        person.is_reviewed_pm = row.is_pm
        people[row.employee_id] = person
    bulk_create_with_history(new_people, Person)
    user_model.objects.bulk_update(changed_users, ["email", "username"])

    # Second pass: leaders may be people created by this same file.
    leader_ids = {row.leader_employee_id for row in rows if row.leader_employee_id}
    leaders = {
        person.employee_id: person for person in Person.objects.filter(employee_id__in=leader_ids)
    }
    saved = {
        person.employee_id: person
        for person in Person.objects.filter(employee_id__in=[row.employee_id for row in rows])
    }
    for row in rows:
        person = saved[row.employee_id]
        source = people[row.employee_id]
        person.name, person.title = source.name, source.title
        person.team, person.is_reviewed_pm = source.team, source.is_reviewed_pm
        person.leader = leaders.get(row.leader_employee_id)
    bulk_update_with_history(
        list(saved.values()),
        Person,
        ["name", "title", "team", "is_reviewed_pm", "leader"],
    )
    return summary

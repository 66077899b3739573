"""The example file of the people import page: two rows the importer accepts as they are.

Its columns are the importer's own (`PEOPLE_CSV_COLUMNS`), so the example cannot drift
from what the importer reads; its team is one of this organisation's (the importer does
not create teams) and its employee IDs, usernames and e-mail addresses are free ones, so
an upload of the file unchanged creates two people.
"""

from __future__ import annotations

import csv
import io
import itertools

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .models import Person, Team, TeamFunction
from .services import PEOPLE_CSV_COLUMNS

ID_PREFIX = "E9"


def _free_employee_ids(count: int) -> list[str]:
    """The first `count` IDs E9001, E9002, ... that no person, username or e-mail (the
    username and e-mail are derived from the ID) has taken yet."""
    taken = set(
        Person.objects.filter(employee_id__startswith=ID_PREFIX).values_list(
            "employee_id", flat=True
        )
    )
    users = get_user_model().objects.filter(username__istartswith=ID_PREFIX)
    taken |= {username.upper() for username in users.values_list("username", flat=True)}
    emails = get_user_model().objects.filter(email__istartswith=ID_PREFIX)
    taken |= {email.split("@")[0].upper() for email in emails.values_list("email", flat=True)}
    free = (f"{ID_PREFIX}{number:03d}" for number in itertools.count(1))
    return list(itertools.islice((eid for eid in free if eid not in taken), count))


def _team_name() -> str:
    """A product team's name (PMs sit in one), else any team's; a placeholder when the
    organisation has no team yet (the upload then names the team to create first)."""
    team = Team.objects.filter(function=TeamFunction.PRODUCT).first() or Team.objects.first()
    return team.name if team else _("Your team")


def people_example_csv() -> str:
    """A leader and a PM reporting to them, in the importer's columns."""
    leader_id, pm_id = _free_employee_ids(2)
    team = _team_name()
    rows = [
        {
            "employee_id": leader_id,
            "name": _("Example Leader"),
            "email": f"{leader_id.lower()}@example.com",
            "username": leader_id.lower(),
            "title": _("Group product manager"),
            "team": team,
            "leader_employee_id": "",
            "is_pm": "no",
        },
        {
            "employee_id": pm_id,
            "name": _("Example PM"),
            "email": f"{pm_id.lower()}@example.com",
            "username": "",
            "title": _("Product manager"),
            "team": team,
            "leader_employee_id": leader_id,
            "is_pm": "yes",
        },
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=PEOPLE_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()

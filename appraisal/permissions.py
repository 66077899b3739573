"""The one place that answers "who is this user here, and may they do X".

Roles come from data: the HR group, `is_staff` for admins, the reporting line for
leaders, review participation for PMs. Views and templates ask these functions (through
`user_roles`, cached per request on the user object) and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Exists, OuterRef

from .models import Person

HR_GROUP = "HR"


@dataclass(frozen=True)
class Roles:
    is_hr: bool = False
    is_admin: bool = False
    is_leader: bool = False
    is_pm: bool = False
    has_person: bool = False

    @property
    def can_manage_people(self) -> bool:
        return self.is_hr or self.is_admin


NO_ROLES = Roles()


def user_roles(user: AbstractBaseUser | AnonymousUser) -> Roles:
    """The roles of `user`, computed once per user object (so once per request)."""
    if not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, "_appraisal_roles", None)
    if cached is not None:
        return cached
    person = user_person(user)
    roles = Roles(
        is_hr=person.in_hr_group
        if person is not None
        else user.groups.filter(name=HR_GROUP).exists(),
        is_admin=user.is_staff,
        is_leader=person is not None and person.has_reports,
        is_pm=person is not None and person.is_reviewed_pm,
        has_person=person is not None,
    )
    user._appraisal_roles = roles
    return roles


def user_person(user: AbstractBaseUser | AnonymousUser):
    """The user's Person (team and leader joined), or None; read once per user object, in
    one query that also says whether anyone reports to them and whether they are in HR.
    `user.person` is then answered from the same row (the navigation shows the name)."""
    if not user.is_authenticated:
        return None
    if hasattr(user, "_appraisal_person"):
        return user._appraisal_person

    def read() -> Person | None:
        return (
            Person.objects.select_related("team", "leader")
            .filter(user=user)
            .annotate(
                has_reports=Exists(Person.objects.filter(leader=OuterRef("pk"))),
                in_hr_group=Exists(Group.objects.filter(user=OuterRef("user_id"), name=HR_GROUP)),
            )
            .first()
        )

    person = read()
    user._appraisal_person = person
    Person._meta.get_field("user").remote_field.set_cached_value(user, person)
    return person


def can_import_people(user) -> bool:
    return user_roles(user).can_manage_people


def can_view_people_directory(user) -> bool:
    return user_roles(user).can_manage_people


def can_view_own_team(user) -> bool:
    return user_roles(user).is_leader


def can_configure_scorecards(user) -> bool:
    """Admins keep the KPI catalog, competencies and scorecard templates."""
    return user_roles(user).is_admin


def can_view_catalog(user) -> bool:
    """The KPI catalog and competencies are reference material for everyone signed in."""
    return user.is_authenticated and user.is_active

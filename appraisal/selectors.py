"""Reads of the organisation, scoped to what the asking user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from .models import Person, Team
from .permissions import user_person


def person_for_user(*, user) -> Person | None:
    """The user's Person, team and leader joined; read once per request (see user_person)."""

    return user_person(user)


def team_reports_list(*, leader: Person) -> QuerySet[Person]:
    """The leader's direct reports, PMs under review first."""
    return (
        Person.objects.filter(leader=leader)
        .select_related("team", "user")
        .order_by("-is_reviewed_pm", "name")
    )


def people_list(*, team_id: int | None = None, query: str = "") -> QuerySet[Person]:
    """Everyone in the organisation (HR and admins only: the view checks)."""
    people = Person.objects.select_related("team", "leader", "user").order_by("team__name", "name")
    if team_id:
        people = people.filter(team_id=team_id)
    if query:
        people = people.filter(name__icontains=query) | people.filter(employee_id__icontains=query)
    return people


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(member_count=Count("members")).order_by("function", "name")


@dataclass
class TaskGroup:
    """One kind of thing a person owes, e.g. "Peer feedback requested of you"."""

    key: str
    title: str
    empty_message: str
    items: list = field(default_factory=list)


def tasks_for_user(*, user) -> list[TaskGroup]:
    """Everything the user owes, grouped by kind, soonest deadline first.

    Review cycles (reviews app) add their groups here as they are built; until a cycle
    is open, every group is empty and the page shows a friendly empty state.
    """

    return [
        TaskGroup(
            key="self_assessments",
            title=_("Your self-assessments"),
            empty_message=_(
                "No self-assessment is due. You will see one here when HR opens a cycle."
            ),
        ),
        TaskGroup(
            key="peer_requests",
            title=_("Feedback requested of you"),
            empty_message=_("Nobody has asked you for peer feedback."),
        ),
        TaskGroup(
            key="leader_reviews",
            title=_("Reviews you lead"),
            empty_message=_("No review of your team is waiting for you."),
        ),
    ]

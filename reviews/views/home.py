"""A person's own pages: "My tasks", a leader's team and its progress in a cycle."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from appraisal.permissions import can_view_own_team
from appraisal.selectors import person_for_user, tasks_for_user, team_reports_list
from reviews import page_parts, permissions, selectors


@login_required
def home(request):
    """ "My tasks": everything the signed-in person owes, with deadlines; for HR, every
    cycle not closed above them."""
    person = person_for_user(user=request.user)
    groups = tasks_for_user(user=request.user)
    if person is not None:
        owed = selectors.person_tasks(person=person)
        for group in groups:
            group.items = owed.get(group.key, [])
    return render(
        request,
        "appraisal/home.html",
        {
            "task_groups": groups,
            "has_tasks": any(group.items for group in groups),
            "person": person,
            "dashboard": selectors.hr_dashboard()
            if permissions.can_manage_cycles(request.user)
            else None,
        },
    )


@login_required
def my_team(request):
    """A leader's direct reports, and their team's progress in every open cycle."""

    if not can_view_own_team(request.user):
        raise PermissionDenied(_("Only leaders have a team page."))
    leader = person_for_user(user=request.user)
    return render(
        request,
        "appraisal/team_detail.html",
        {
            "leader": leader,
            "reports": team_reports_list(leader=leader),
            "cycles": selectors.cycles_led_by(leader=leader),
        },
    )


@login_required
def team_cycle(request, pk: int):
    """A leader's view of their team's progress in a cycle."""
    cycle, leader = selectors.team_cycle_get(user=request.user, pk=pk)

    def ranking() -> list:
        if not permissions.are_results_published(cycle):
            return []
        results = list(selectors.cycle_results(cycle=cycle, leader_id=leader.pk, sort="team"))
        results.sort(key=lambda result: (result.team_rank is None, result.team_rank or 0))
        for result in results:
            result.effective_grade = selectors.effective_grade(result)
        return results

    return render(
        request,
        "reviews/team_cycle.html",
        {
            "cycle": cycle,
            "leader": leader,
            "reviews": SimpleLazyObject(
                lambda: list(selectors.review_progress_list(cycle=cycle, leader=leader))
            ),
            "ranking": SimpleLazyObject(ranking),
            "cached_part": page_parts.cycle_part_key(request, cycle.pk),
            "peer_answers_hidden": not permissions.can_see_peer_answers(request.user, cycle),
        },
    )

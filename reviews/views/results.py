"""Results: HR's calibration table, progress and export; a PM's explained result and
history; a leader's team history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal.permissions import can_view_own_team
from reviews import permissions, selectors, services
from reviews.computation import compute_request
from reviews.exports import results_csv, results_xlsx
from reviews.models import (
    JobStatus,
    Phase,
    Review,
)
from reviews.views.common import PAGE_SIZE, _actor, _int_param, _options_html, _require_hr


@require_http_methods(["GET", "POST"])
def cycle_results(request, pk: int):
    """HR: compute, watch progress, calibrate, export, publish."""

    _require_hr(request)
    cycle = selectors.cycle_get(pk=pk)
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "compute":
                if cycle.phase in (Phase.DRAFT, Phase.SELF_ASSESSMENT):
                    raise services.ReviewError(_("Results are computed from the review phase on."))
                compute_request(cycle=cycle, requested_by=_actor(request))
                messages.info(request, _("Computation queued."))
            elif action == "calibrate":
                review = get_object_or_404(Review, pk=request.POST.get("review"), cycle=cycle)
                services.result_calibrate(
                    review=review,
                    actor=_actor(request),
                    grade=request.POST.get("grade", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request, _("Grade of %(name)s calibrated.") % {"name": review.person.name}
                )
            else:
                raise services.ReviewError(_("Unknown action."))
            return redirect(request.get_full_path())
        except services.ReviewError as error:
            problems = error.problems
    team_id, leader_id = _int_param(request, "team"), _int_param(request, "leader")
    sort = request.GET.get("sort", "rank")
    if sort not in selectors.RESULT_SORTS:
        sort = "rank"
    number = _int_param(request, "page") or 1

    def table() -> dict:
        page = selectors.results_page(
            cycle=cycle,
            team_id=team_id,
            leader_id=leader_id,
            sort=sort,
            number=number,
            per_page=PAGE_SIZE,
        )
        results = list(page)
        names = selectors.item_names(cycle)
        texts = selectors.flag_texts()
        for result in results:
            result.effective_grade = selectors.effective_grade(result)
            result.flag_labels = selectors.flag_labels(result.flags, names, texts=texts)
        distribution = selectors.grade_distribution(cycle=cycle)
        return {
            "results": results,
            "page": page,
            "distribution": distribution,
            "distribution_data": {
                "grades": [share.grade for share in distribution],
                "percent": [float(share.percent) for share in distribution],
                "quota": [
                    None if share.quota is None else float(share.quota) for share in distribution
                ],
            },
            "over_quota": [share for share in distribution if share.is_over_quota],
            "grades": services.cycle_grades(cycle),
            "team_options": _filter_options(selectors.cycle_teams(cycle=cycle), team_id),
            "leader_options": _filter_options(selectors.cycle_leaders(cycle=cycle), leader_id),
        }

    job, last_good = selectors.computation_jobs(cycle=cycle)
    return render(
        request,
        "reviews/cycle_results.html",
        {
            "cycle": cycle,
            "table": SimpleLazyObject(table),
            "page_number": number,
            "job": job,
            "is_running": job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            "last_good": last_good,
            "sort": sort,
            "team_param": str(team_id or ""),
            "leader_param": str(leader_id or ""),
            "team_id": team_id,
            "leader_id": leader_id,
            "problems": problems,
            "is_calibrating": cycle.phase == Phase.CALIBRATION,
        },
        status=400 if problems else 200,
    )


def _filter_options(rows, selected: int | None) -> SafeString:
    """The <option>s of a results filter from (pk, name) rows, built here: a cycle of
    10,000 PMs has some 1,500 teams and as many leaders, and the template language takes
    ~30 µs an option (format_html ~10 µs)."""
    return _options_html((pk, name, pk == selected) for pk, name in rows)


@login_required
def cycle_results_progress(request, pk: int):
    """The progress bar's fragment, polled by htmx while a computation runs."""

    _require_hr(request)
    cycle = selectors.cycle_get(pk=pk)
    job, last_good = selectors.computation_jobs(cycle=cycle)
    response = render(
        request,
        "reviews/partials/compute_progress.html",
        {
            "cycle": cycle,
            "job": job,
            "is_running": job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            "last_good": last_good,
        },
    )
    if (
        job is not None
        and job.status == JobStatus.SUCCEEDED
        and request.GET.get("was") == "running"
    ):
        response["HX-Refresh"] = "true"  # new results: reload the table and the chart
    return response


@login_required
def cycle_results_export(request, pk: int, kind: str):

    _require_hr(request)
    if kind not in ("csv", "xlsx"):
        raise Http404
    cycle = selectors.cycle_get(pk=pk)
    if kind == "csv":
        response = HttpResponse(results_csv(cycle), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            results_xlsx(cycle),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="results-cycle-{cycle.pk}.{kind}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def result_detail(request, pk: int):
    """A PM's explained result: every step from the inputs used to the grade."""
    review = selectors.result_page_review_get(user=request.user, pk=pk)
    result = review.result
    if request.method == "POST":
        try:
            services.result_acknowledge(
                review=review, actor=_actor(request), comment=request.POST.get("comment", "")
            )
        except services.ReviewError as error:
            for problem in error.problems:
                messages.error(request, problem)
        else:
            messages.success(request, _("Thank you: your acknowledgement is recorded."))
        return redirect(request.path)
    items = SimpleLazyObject(lambda: selectors.items_by_key(review.cycle))
    return render(
        request,
        "reviews/result_detail.html",
        {
            "review": review,
            "result": result,
            "x": SimpleLazyObject(
                lambda: selectors.explained_result(review=review, result=result, items=items)
            ),
            "effective_grade": selectors.effective_grade(result),
            "calibration": getattr(review, "calibration", None),
            "acknowledgement": getattr(review, "acknowledgement", None),
            "is_pm": permissions.is_reviewed_person(request.user, review),
            "can_acknowledge": permissions.is_reviewed_person(request.user, review)
            and review.cycle.phase == Phase.PUBLISHED,
            "multiplier": review.cycle.scorecard.get("bonus_multipliers", {}).get(
                selectors.effective_grade(result)
            ),
            "flag_labels": SimpleLazyObject(
                lambda: selectors.flag_labels(
                    result.flags, selectors.item_names(review.cycle, items=items)
                )
            ),
        },
    )


@login_required
def my_results(request):
    """A PM's published results across cycles, with the trend."""
    person = _actor(request)
    results = list(selectors.result_history(person=person))
    for result in results:
        result.effective_grade = selectors.effective_grade(result)
    trend = {
        "labels": [result.cycle.name for result in results],
        "scores": [
            None if result.final_score is None else float(result.final_score) for result in results
        ],
    }
    return render(request, "reviews/my_results.html", {"results": results, "trend": trend})


@login_required
def team_history(request):
    """A leader's team over time: each report's score and grade per published cycle."""

    if not can_view_own_team(request.user):
        raise PermissionDenied(_("Only leaders have a team page."))
    results = list(selectors.team_history(leader=_actor(request)))
    cycles = list(dict.fromkeys(result.cycle for result in results))
    people = list(dict.fromkeys(result.review.person for result in results))
    grid = {(result.review.person_id, result.cycle_id): result for result in results}
    for result in results:
        result.effective_grade = selectors.effective_grade(result)
    rows = [(person, [grid.get((person.pk, cycle.pk)) for cycle in cycles]) for person in people]
    return render(request, "reviews/team_history.html", {"cycles": cycles, "rows": rows})

"""Results: HR's calibration table, progress and export; a PM's explained result and
history; a leader's team history."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appraisal.permissions import can_view_own_team
from reviews import page_parts, permissions, selectors, services
from reviews.exports import results_csv_chunks, results_xlsx_file
from reviews.forms import AcknowledgeForm, CalibrateForm, ProgressQuery, ResultsQuery
from reviews.models import (
    JobStatus,
)
from reviews.views.common import (
    PAGE_SIZE,
    _actor,
    _options_html,
    form_problems,
    hr_required,
    read_query,
)


@hr_required
@require_GET
def cycle_results(request, pk: int):
    """HR: compute, watch progress, calibrate, export, publish."""
    return _results_page(request, selectors.cycle_get(pk=pk))


def _results_query(request, *, is_page: bool = True) -> ResultsQuery:
    """The results page's filters, sort and page, as its address gives them."""
    return read_query(request, ResultsQuery, is_page=is_page, sorts=selectors.RESULT_SORTS)


def _results_back(request, cycle):
    """Back to the results page, with the sort, filters and page the form was sent from."""
    url = reverse("reviews:cycle_results", args=[cycle.pk])
    query = _results_query(request, is_page=False).query()
    return redirect(f"{url}?{query}" if query else url)


@hr_required
@require_POST
def cycle_results_compute(request, pk: int):
    cycle = selectors.cycle_get(pk=pk)
    if not permissions.can_compute(request.user, cycle):
        return _results_page(
            request, cycle, problems=[_("Results are computed from the review phase on.")]
        )
    job = services.compute_request(cycle=cycle, requested_by=_actor(request))
    _say_how_the_computation_went(request, selectors.computation_job_get(pk=job.pk))
    return _results_back(request, cycle)


def _say_how_the_computation_went(request, job) -> None:
    """Say what happened: with a Celery worker the job is queued and the page shows its
    progress; under the embedded default (tasks run in this process) it has already run by
    now, so say that it ran, when, and how to get the progress bar."""
    if job.status == JobStatus.SUCCEEDED and settings.CELERY_TASK_ALWAYS_EAGER:
        messages.success(
            request,
            _(
                "Computed at %(when)s: %(count)s PMs scored. It ran inside this request "
                "because no Celery worker is configured; with one (make worker) the page "
                "shows its progress instead."
            )
            % {
                "when": date_format(timezone.localtime(job.finished_at), "TIME_FORMAT"),
                "count": job.participant_count,
            },
        )
    elif job.status == JobStatus.FAILED:
        messages.error(request, _("The computation failed; the reason is shown below."))
    else:
        messages.info(request, _("Computation queued: its progress shows below."))


@hr_required
@require_POST
def result_calibrate(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    form = CalibrateForm(request.POST)
    if not form.is_valid():  # too long, or no grade read: the service judges the rest
        return _results_page(
            request, selectors.cycle_get(pk=review.cycle_id), problems=form_problems(form)
        )
    try:
        services.result_calibrate(
            review=review,
            actor=_actor(request),
            grade=form.cleaned_data.get("grade", ""),
            reason=form.cleaned_data.get("reason", ""),
            read_grade=form.cleaned_data["read_grade"],
        )
    except services.ReviewError as error:
        return _results_page(
            request,
            selectors.cycle_get(pk=review.cycle_id),
            problems=error.problems,
            conflict=isinstance(error, services.EditConflict),
        )
    messages.success(request, _("Grade of %(name)s calibrated.") % {"name": review.person.name})
    return _results_back(request, review.cycle)


def _results_page(request, cycle, *, problems: list[str] = (), conflict: bool = False):
    """The results page, as its GET shows it and as a refused action shows it again (400)."""
    query = _results_query(request)
    values = query.values()
    team_id, leader_id = values["team"], values["leader"]
    sort = values["sort"] or "rank"
    number = values["page"] or 1

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
            # Only the chosen team and leader: the others come when a filter is first
            # focused or pointed at (cycle_results_filter_options), not on every load.
            "team_options": _chosen_option(
                team_id, results[0].review.team.name if team_id and results else None
            ),
            "leader_options": _chosen_option(
                leader_id, results[0].review.leader.name if leader_id and results else None
            ),
        }

    services.computation_jobs_expire(cycle=cycle)  # a dead job shows failed, Compute on
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
            "problems": list(problems),
            "is_calibrating": permissions.is_calibrating(cycle),
            "query": query.query(),
            "cached_part": page_parts.cycle_part_key(request, cycle.pk),
        },
        status=(409 if conflict else 400) if problems else 200,
    )


def _chosen_option(selected: int | None, name: str | None) -> SafeString:
    """The chosen team's or leader's <option>, named from the filtered page's rows (no
    query); none when nothing is chosen. A team or leader with no result in the cycle
    shows its id."""
    if selected is None:
        return _options_html(())
    return _options_html([(selected, name if name is not None else selected, True)])


def _filter_options(rows, selected: int | None) -> SafeString:
    """The <option>s of a results filter from (pk, name) rows, built here: a cycle of
    10,000 PMs has some 1,500 teams and as many leaders, and the template language takes
    ~30 µs an option (format_html ~10 µs)."""
    return _options_html((pk, name, pk == selected) for pk, name in rows)


FILTERS = {"team": "cycle_teams", "leader": "cycle_leaders"}


@hr_required
@require_GET
def cycle_results_filter_options(request, pk: int, kind: str):
    """htmx: every <option> of the results page's team or leader filter, the chosen one
    (the select's own value, which htmx sends) selected. Asked once, when the filter is
    first focused or pointed at: a cycle of 10,000 PMs has ~1,500 of each."""
    if kind not in FILTERS:
        raise Http404
    cycle = selectors.cycle_get(pk=pk)
    selected = _results_query(request, is_page=False).values()[kind]
    rows = getattr(selectors, FILTERS[kind])(cycle=cycle)
    everyone = _("All teams") if kind == "team" else _("All leaders")
    return HttpResponse(
        _options_html([("", everyone, selected is None)]) + _filter_options(rows, selected)
    )


@hr_required
def cycle_results_progress(request, pk: int):
    """The progress bar's fragment, polled by htmx while a computation runs."""
    cycle = selectors.cycle_get(pk=pk)
    services.computation_jobs_expire(cycle=cycle)  # a dead job ends the polling, failed
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
    was = read_query(request, ProgressQuery, is_page=False).values()["was"]
    if (
        job is not None
        and job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
        and was == "running"
    ):
        # It ended: reload the table and the chart (new results), and the Compute
        # button, disabled while the job ran.
        response["HX-Refresh"] = "true"
    return response


@hr_required
def cycle_results_export(request, pk: int, kind: str):
    if kind not in ("csv", "xlsx"):
        raise Http404
    cycle = selectors.cycle_get(pk=pk)
    # Streamed, so a company of any size is sent in bounded memory (issue 19, item 8).
    if kind == "csv":
        response = StreamingHttpResponse(
            results_csv_chunks(cycle), content_type="text/csv; charset=utf-8"
        )
    else:
        response = FileResponse(
            results_xlsx_file(cycle),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="results-cycle-{cycle.pk}.{kind}"'
    return response


@login_required
@require_GET
def result_detail(request, pk: int):
    """A PM's explained result: every step from the inputs used to the grade."""
    review = selectors.result_page_review_get(user=request.user, pk=pk)
    result = review.result
    items = SimpleLazyObject(lambda: selectors.items_by_key(review.cycle))
    return render(
        request,
        "reviews/result_detail.html",
        {
            "review": review,
            "result": result,
            "feedback": SimpleLazyObject(lambda: selectors.written_feedback(review=review)),
            "sees_calibration_reason": permissions.can_see_calibration_reason(request.user, review),
            "sees_cycle_rank": permissions.can_see_cycle_rank(request.user),
            "sees_team_rank": permissions.can_see_team_rank(request.user, review),
            "explanation": SimpleLazyObject(
                lambda: selectors.explained_result(review=review, result=result, items=items)
            ),
            "effective_grade": selectors.effective_grade(result),
            "calibration": getattr(review, "calibration", None),
            "acknowledgement": getattr(review, "acknowledgement", None),
            "is_pm": permissions.is_reviewed_person(request.user, review),
            "can_acknowledge": permissions.can_acknowledge(request.user, review),
            "multiplier": review.cycle.scoring_card.bonus_multipliers.get(
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
@require_POST
def result_acknowledge(request, pk: int):
    """The PM acknowledges their published result, with an optional comment."""
    review = selectors.result_page_review_get(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():  # a comment too long: refused, not cut short
        for problem in form_problems(form):
            messages.error(request, problem)
        return redirect("reviews:result_detail", pk=review.pk)
    try:
        services.result_acknowledge(
            review=review, actor=_actor(request), comment=form.cleaned_data.get("comment", "")
        )
    except services.ReviewError as error:
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect("reviews:result_detail", pk=review.pk)


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

from __future__ import annotations

from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal.models import Person
from appraisal.selectors import person_for_user, tasks_for_user

from . import permissions, selectors, services
from .forms import (
    AddParticipantsForm,
    AdvanceForm,
    CycleForm,
    ExtendDeadlineForm,
    ReasonForm,
    parse_assessment,
)
from .models import (
    Assessment,
    AssessmentRole,
    Phase,
    Review,
)

PAGE_SIZE = 100  # rows per page of HR's cycle tables (cycles can hold thousands of PMs)


def _actor(request) -> Person:
    person = person_for_user(user=request.user)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a person in the organisation."))
    return person


def _require_hr(request) -> None:
    if not permissions.can_manage_cycles(request.user):
        raise PermissionDenied(_("Only HR manages review cycles."))


@login_required
def home(request):
    """ "My tasks": everything the signed-in person owes, with deadlines."""
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
        },
    )


@login_required
def my_team(request):
    """A leader's direct reports, and their team's progress in every open cycle."""
    from appraisal.permissions import can_view_own_team
    from appraisal.selectors import team_reports_list

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


# --- HR: cycles -----------------------------------------------------------------------------


@login_required
def cycle_list(request):
    _require_hr(request)
    return render(request, "reviews/cycle_list.html", {"cycles": selectors.cycle_list()})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    _require_hr(request)
    form = CycleForm(request.POST or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=_actor(request), **form.cleaned_data)
        except services.ReviewError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _("Cycle “%(name)s” created as a draft. Add participants, then open it.")
                % {"name": cycle.name},
            )
            return redirect("reviews:cycle_detail", pk=cycle.pk)
    return render(
        request,
        "reviews/cycle_form.html",
        {"form": form, "problems": problems},
        status=400 if problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_detail(request, pk: int):
    _require_hr(request)
    cycle = selectors.cycle_get(pk=pk)
    add_form = AddParticipantsForm(prefix="add")
    advance_form = AdvanceForm(prefix="advance")
    extend_form = ExtendDeadlineForm(prefix="extend")
    problems: list[str] = []
    blocked: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                add_form = AddParticipantsForm(request.POST, prefix="add")
                if add_form.is_valid():
                    added = services.cycle_add_participants(
                        cycle=cycle, people=add_form.chosen_people()
                    )
                    messages.success(
                        request, _("%(count)s participant(s) added.") % {"count": len(added)}
                    )
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "remove":
                review = get_object_or_404(Review, pk=request.POST.get("review"), cycle=cycle)
                services.cycle_remove_participant(review=review)
                messages.success(
                    request, _("%(name)s removed from the cycle.") % {"name": review.person}
                )
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "open":
                services.cycle_open(cycle=cycle, actor=_actor(request))
                messages.success(request, _("The cycle is open: participants were told by e-mail."))
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "advance":
                advance_form = AdvanceForm(request.POST, prefix="advance")
                if advance_form.is_valid():
                    moved = services.cycle_advance(
                        cycle=cycle,
                        actor=_actor(request),
                        override_blockers=advance_form.cleaned_data["override_blockers"],
                    )
                    messages.success(
                        request,
                        _("The cycle moved to %(phase)s.") % {"phase": moved.get_phase_display()},
                    )
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "extend":
                extend_form = ExtendDeadlineForm(request.POST, prefix="extend")
                if extend_form.is_valid():
                    services.cycle_extend_deadline(cycle=cycle, **extend_form.cleaned_data)
                    messages.success(request, _("Deadline extended."))
                    return redirect("reviews:cycle_detail", pk=cycle.pk)
            elif action == "reopen":
                assessment = get_object_or_404(
                    Assessment, pk=request.POST.get("assessment"), review__cycle=cycle
                )
                reason_form = ReasonForm(request.POST)
                if not reason_form.is_valid():
                    raise services.ReviewError(_("Give a reason for reopening."))
                services.assessment_reopen(
                    assessment=assessment,
                    actor=_actor(request),
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(request, _("Assessment reopened."))
                return redirect("reviews:cycle_detail", pk=cycle.pk)
            else:
                problems = [_("Unknown action.")]
        except services.PhaseBlocked as error:
            blocked = error.problems
        except services.ReviewError as error:
            problems = error.problems
        cycle = selectors.cycle_get(pk=pk)
    number = _int_param(request, "page") or 1
    reviews = SimpleLazyObject(
        lambda: selectors.review_progress_page(cycle=cycle, number=number, per_page=PAGE_SIZE)
    )
    blockers = blocked
    if not blocked and cycle.is_open:
        blockers = SimpleLazyObject(lambda: services.cycle_blockers(cycle=cycle))
    return render(
        request,
        "reviews/cycle_detail.html",
        {
            "cycle": cycle,
            "reviews": reviews,
            "page_number": number,
            "blockers": blockers,
            "was_blocked": bool(blocked),
            "next_phase": services.next_phase(cycle.phase),
            "is_draft": cycle.phase == Phase.DRAFT,
            "add_form": add_form,
            "advance_form": advance_form,
            "extend_form": extend_form,
            "problems": problems,
            "phase_changes": cycle.phase_changes.select_related("moved_by"),
            "submitted_assessments": SimpleLazyObject(lambda: _reopen_choices(reviews)),
        },
        status=400 if (problems or blocked) else 200,
    )


def _reopen_choices(reviews) -> SafeString:
    """The <option>s of the submitted assessments of the PMs on this page of the cycle
    table: the whole cycle would be 7 options a PM, thousands. Read as values, with the
    role's label looked up once, not per row (get_role_display rebuilds its choices), and
    written here, not by the template (~30 µs an option, up to 700 of them)."""
    labels = {value: str(label) for value, label in AssessmentRole.choices}
    choices = []
    for pk, role, person, assessor in (
        Assessment.objects.filter(
            review__in=[review.pk for review in reviews], submitted_at__isnull=False
        )
        .order_by("review__person__name", "role")
        .values_list("pk", "role", "review__person__name", "assessor__name")
    ):
        label = f"{person}: {labels.get(role, role)}"
        choices.append(
            (pk, label if role == AssessmentRole.PEER else f"{label} ({assessor})", False)
        )
    return _options_html(choices)


# --- assessments ----------------------------------------------------------------------------


def _assessment_page(
    request, *, review: Review, assessment: Assessment, template: str, extra: dict
):
    cycle = review.cycle
    kpis, competencies = selectors.cycle_items(cycle)
    scale = cycle.scorecard.get("scale", {"lo": 1, "hi": 5})
    problems: list[str] = []
    conflict = False
    if request.method == "POST":
        ratings, actuals, texts, problems = parse_assessment(
            request.POST,
            role=assessment.role,
            competencies=competencies,
            kpis=kpis,
            scale=(scale["lo"], scale["hi"]),
        )
        version = request.POST.get("version", "")
        if not problems:
            try:
                assessment = services.assessment_save(
                    assessment=assessment,
                    actor=_actor(request),
                    version=int(version) if version.isdigit() else -1,
                    ratings=ratings,
                    texts=texts,
                    actuals=actuals or None,
                    submit=request.POST.get("action") == "submit",
                )
            except services.EditConflict as error:
                problems, conflict = error.problems, True
            except services.ReviewError as error:
                problems = error.problems
        if request.htmx:
            return render(
                request,
                "reviews/partials/save_status.html",
                {"assessment": assessment, "problems": problems, "saved_at": timezone.now()},
                status=409 if conflict else (400 if problems else 200),
            )
        if not problems:
            if assessment.is_submitted:
                messages.success(request, _("Submitted. Thank you: your answers are now locked."))
                return redirect("home")
            messages.success(request, _("Draft saved."))
            return redirect(request.path)
    saved_ratings = selectors.ratings_by_item(assessment)
    saved_actuals = selectors.actuals_by_item(review)
    posted = request.POST if problems else {}
    rating_values = {
        item.pk: posted.get(f"rating-{item.pk}")
        if f"rating-{item.pk}" in posted
        else _rating_text(saved_ratings.get(item.pk))
        for item in competencies
    }
    actual_values = {
        item.pk: (
            posted.get(f"actual-{item.pk}", _number_text(saved_actuals.get(item.pk))),
            posted.get(f"evidence-{item.pk}", getattr(saved_actuals.get(item.pk), "evidence", "")),
        )
        for item in kpis
    }
    text_values = {
        name: posted.get(name, getattr(assessment, name))
        for name in ("strengths", "gaps", "support_needed", "comment")
    }
    context = {
        "review": review,
        "cycle": cycle,
        "assessment": assessment,
        "kpis": kpis,
        "competencies": competencies,
        "scale": range(scale["lo"], scale["hi"] + 1),
        "rating_values": rating_values,
        "actual_values": actual_values,
        "text_values": text_values,
        "problems": problems,
        "conflict": conflict,
        "is_editable": not assessment.is_submitted
        and services.within_deadline(cycle, services.PHASE_OF_ROLE[assessment.role]),
        **extra,
    }
    return render(
        request, template, context, status=(409 if conflict else 400) if problems else 200
    )


def _rating_text(rating) -> str:
    if rating is None:
        return ""
    return "na" if rating.value is None else str(rating.value)


def _number_text(actual) -> str:
    if actual is None or actual.reported_value is None:
        return ""
    value = actual.reported_value
    return str(value.quantize(1) if value == value.to_integral_value() else value.normalize())


@login_required
@require_http_methods(["GET", "POST"])
def self_assessment(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.is_reviewed_person(request.user, review):
        raise Http404
    if review.cycle.phase == Phase.DRAFT:
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/self_assessment.html",
        extra={"actuals": selectors.actuals_by_item(review)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def leader_review(request, pk: int):
    review = selectors.review_get(user=request.user, pk=pk)
    if not permissions.is_reviewing_leader(request.user, review):
        raise Http404
    if review.cycle.phase in (Phase.DRAFT,):
        raise Http404
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.leader, role=AssessmentRole.LEADER
    )
    self_assessment = review.assessments.filter(
        role=AssessmentRole.SELF, submitted_at__isnull=False
    ).first()
    if request.method == "POST" and request.POST.get("action") in ("verify", "adjust"):
        try:
            _leader_action(request, review)
        except services.ReviewError as error:
            for problem in error.problems:
                messages.error(request, problem)
        return redirect(request.path)
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/leader_review.html",
        extra={
            "actuals": selectors.actuals_by_item(review),
            "self_assessment": self_assessment,
            "self_ratings": selectors.ratings_by_item(self_assessment),
            "peer_aggregates": selectors.peer_aggregates(review=review),
            "min_peers": review.cycle.scorecard.get("min_peer_responses", 3),
            "max_adjustment": review.cycle.scorecard.get("max_adjustment", 10),
        },
    )


def _leader_action(request, review: Review) -> None:
    from .forms import _decimal

    actor = _actor(request)
    if request.POST.get("action") == "verify":
        item = get_object_or_404(review.cycle.kpi_items, pk=request.POST.get("item"))
        try:
            value = _decimal(request.POST.get("verified_value", ""))
        except ValueError as error:
            raise services.ReviewError(
                _("“%(value)s” is not a number.") % {"value": error}
            ) from None
        services.actual_verify(
            review=review,
            item=item,
            actor=actor,
            value=value,
            excused_reason=request.POST.get("excused_reason", ""),
        )
        messages.success(request, _("%(kpi)s updated.") % {"kpi": item.kpi})
    else:
        try:
            points = _decimal(request.POST.get("adjustment", "")) or 0
        except ValueError as error:
            raise services.ReviewError(
                _("“%(value)s” is not a number.") % {"value": error}
            ) from None
        from decimal import Decimal

        services.review_adjust(
            review=review,
            actor=actor,
            points=Decimal(points),
            reason=request.POST.get("adjustment_reason", ""),
        )
        messages.success(request, _("Adjustment saved."))


@login_required
@require_http_methods(["GET", "POST"])
def peer_request(request, pk: int):
    peer_request = selectors.peer_request_get(user=request.user, pk=pk)
    review = peer_request.review
    if request.method == "POST" and request.POST.get("action") == "decline":
        form = ReasonForm(request.POST)
        try:
            if not form.is_valid():
                raise services.ReviewError(_("Give a reason for declining."))
            services.peer_request_decline(
                request=peer_request, actor=_actor(request), reason=form.cleaned_data["reason"]
            )
        except services.ReviewError as error:
            for problem in error.problems:
                messages.error(request, problem)
            return redirect(request.path)
        messages.success(request, _("You declined. Thank you for saying why."))
        return redirect("home")
    assessment = services.assessment_get_or_create(
        review=review, assessor=peer_request.peer, role=AssessmentRole.PEER
    )
    return _assessment_page(
        request,
        review=review,
        assessment=assessment,
        template="reviews/peer_assessment.html",
        extra={"peer_request": peer_request},
    )


# --- peers ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def peers(request, pk: int):
    """The PM nominates peers; the leader (or HR) approves, removes or adds."""
    review = selectors.review_get(user=request.user, pk=pk)
    is_pm = permissions.is_reviewed_person(request.user, review)
    can_approve = permissions.can_approve_peers(request.user, review)
    if not (is_pm or can_approve) or review.cycle.phase == Phase.DRAFT:
        raise Http404
    candidates = (
        Person.objects.exclude(team_id=review.team_id)
        .exclude(pk__in=[review.person_id, review.leader_id])
        .select_related("team")
        .order_by("team__name", "name")
    )
    problems: list[str] = []
    if request.method == "POST":
        chosen = list(candidates.filter(pk__in=request.POST.getlist("peers")))
        try:
            if request.POST.get("action") == "nominate" and is_pm:
                services.peer_nominations_set(review=review, actor=_actor(request), peers=chosen)
                messages.success(request, _("Nominations sent to your leader for approval."))
            elif request.POST.get("action") == "approve" and can_approve:
                services.peer_requests_approve(
                    review=review,
                    actor=_actor(request),
                    is_hr=permissions.can_manage_cycles(request.user),
                    add=chosen,
                    remove=[int(pk) for pk in request.POST.getlist("remove") if pk.isdigit()],
                )
                messages.success(request, _("Peers approved: each was asked by e-mail."))
            else:
                raise PermissionDenied
            return redirect(request.path)
        except services.ReviewError as error:
            problems = error.problems
    requests = review.peer_requests.select_related("peer__team").order_by("peer__name")
    # The PM sees whom they nominated and whether it was approved, never what anyone answered.
    return render(
        request,
        "reviews/peers.html",
        {
            "review": review,
            "requests": requests,
            "candidates": candidates,
            "chosen_ids": {request.peer_id for request in requests},
            "is_pm": is_pm,
            "can_approve": can_approve,
            "problems": problems,
            "min_peers": services.MIN_PEERS,
            "max_peers": services.MAX_PEERS,
        },
        status=400 if problems else 200,
    )


@login_required
def team_cycle(request, pk: int):
    """A leader's view of their team's progress in a cycle."""
    cycle = selectors.cycle_get(pk=pk)
    leader = person_for_user(user=request.user)
    if leader is None or not cycle.reviews.filter(leader=leader).exists():
        raise Http404

    def ranking() -> list:
        if cycle.phase not in permissions.RESULTS_VISIBLE_PHASES:
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
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def actuals_upload(request, pk: int):
    """HR (every PM) or a leader (their reports) uploads KPI actuals as CSV or XLSX."""
    from .forms import ActualsUploadForm
    from .imports import ActualsRejected, actuals_import

    cycle = selectors.cycle_get(pk=pk)
    is_hr = permissions.can_manage_cycles(request.user)
    person = person_for_user(user=request.user)
    is_leader = person is not None and cycle.reviews.filter(leader=person).exists()
    if not (is_hr or is_leader):
        raise Http404
    form = ActualsUploadForm(request.POST or None, request.FILES or None)
    errors, problems = [], []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = actuals_import(
                cycle=cycle,
                data=upload.read(),
                filename=upload.name,
                leader_id=None if is_hr else person.pk,
            )
        except ActualsRejected as rejected:
            errors = rejected.errors
        except services.ReviewError as error:
            problems = error.problems
        else:
            messages.success(request, _("%(count)s actual(s) uploaded.") % {"count": count})
            return redirect(request.path)
    return render(
        request,
        "reviews/actuals_upload.html",
        {"cycle": cycle, "form": form, "errors": errors, "problems": problems, "is_hr": is_hr},
        status=400 if (errors or problems) else 200,
    )


@login_required
def review_audit(request, pk: int):
    """HR reads the audit trail of one review: who changed what, when, before and after."""
    _require_hr(request)
    review = selectors.review_get(user=request.user, pk=pk)
    return render(
        request,
        "reviews/review_audit.html",
        {"review": review, "entries": selectors.review_audit(review=review)},
    )


# --- results --------------------------------------------------------------------------------


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@login_required
@require_http_methods(["GET", "POST"])
def cycle_results(request, pk: int):
    """HR: compute, watch progress, calibrate, export, publish."""
    from .computation import compute_request
    from .models import JobStatus

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


def _options_html(options) -> SafeString:
    """`<option value="v"[ selected]>label</option>` for each (value, label, is_selected),
    escaped as the template would escape them."""
    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if is_selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label, is_selected in options
        )
    )


@login_required
def cycle_results_progress(request, pk: int):
    """The progress bar's fragment, polled by htmx while a computation runs."""
    from .models import JobStatus

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
    from django.http import HttpResponse

    from .exports import results_csv, results_xlsx

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
    from appraisal.permissions import can_view_own_team

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

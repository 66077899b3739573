"""KPI actuals uploaded as a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from appraisal.selectors import person_for_user
from reviews import selectors, services
from reviews.forms import ActualsUploadForm
from reviews.imports import (
    ActualsRejected,
    actuals_example_csv,
    actuals_example_xlsx,
    actuals_import,
)

EXAMPLE_FORMATS = {
    "csv": (actuals_example_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        actuals_example_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def actuals_upload(request, pk: int):
    """HR (every PM) or a leader (their reports) uploads KPI actuals as CSV or XLSX."""

    cycle, leader_id = selectors.actuals_upload_cycle_get(user=request.user, pk=pk)
    form = ActualsUploadForm(request.POST or None, request.FILES or None)
    errors, problems = [], []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = actuals_import(
                cycle=cycle,
                data=upload.read(),
                filename=upload.name,
                leader_id=leader_id,
                actor=person_for_user(user=request.user),
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
        {
            "cycle": cycle,
            "form": form,
            "errors": errors,
            "problems": problems,
            "is_hr": leader_id is None,
        },
        status=400 if (errors or problems) else 200,
    )


@login_required
@require_GET
def actuals_upload_example(request, pk: int, file_format: str):
    """An example file for this cycle's upload page: its PMs (a leader's own reports) by
    its KPIs, values blank; whoever may upload may download it."""
    cycle, leader_id = selectors.actuals_upload_cycle_get(user=request.user, pk=pk)
    write, content_type = EXAMPLE_FORMATS[file_format]
    rows = selectors.actuals_example_rows(cycle=cycle, leader_id=leader_id)
    response = HttpResponse(write(rows), content_type=content_type)
    filename = f"actuals-{slugify(cycle.name) or cycle.pk}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

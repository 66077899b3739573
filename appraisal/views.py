from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import examples, permissions, selectors, services
from .forms import PeopleImportForm, PeopleQuery


@never_cache
@require_safe
def healthz(request):
    """Health check for load balancers and docker compose: the process answers HTTP.

    Public and without a database query, so it stays cheap and says only that the web
    process serves requests (through the whole middleware stack)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_required
def people_list(request):
    if not permissions.can_view_people_directory(request.user):
        raise PermissionDenied(_("Only HR and administrators can see the people directory."))
    form = PeopleQuery(request.GET)
    for problem in form.problems:
        messages.warning(request, problem)
    values = form.values()
    team_id, query = values["team"], values["q"] or ""
    page = Paginator(selectors.people_list(team_id=team_id, query=query), 50).get_page(
        values["page"] or 1
    )
    return render(
        request,
        "appraisal/people_list.html",
        {"page": page, "teams": selectors.team_list(), "team_id": team_id, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request):
    if not permissions.can_import_people(request.user):
        raise PermissionDenied(_("Only HR and administrators can import people."))
    errors = []
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.people_import_csv(
                data=form.cleaned_data["csv_file"].read(),
                actor_is_admin=permissions.user_roles(request.user).is_admin,
            )
        except services.ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated.")
                % {"created": len(summary.created), "updated": len(summary.updated)},
            )
            return redirect("people_list")
    return render(
        request,
        "appraisal/people_import.html",
        {"form": form, "errors": errors, "example_csv": examples.people_example_csv()},
        status=400 if errors else 200,
    )


@login_required
@require_safe
def people_import_example(request):
    """A CSV the import accepts unchanged, in the importer's own columns."""
    if not permissions.can_import_people(request.user):
        raise PermissionDenied(_("Only HR and administrators can import people."))
    response = HttpResponse(examples.people_example_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people-example.csv"'
    return response

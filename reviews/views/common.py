"""What the review views share: the signed-in person, HR's gate, address parameters."""

from __future__ import annotations

from functools import wraps
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from appraisal.models import Person
from appraisal.selectors import person_for_user
from reviews import permissions

PAGE_SIZE = 50  # rows per page of HR's cycle tables (cycles can hold thousands of PMs)


def _actor(request) -> Person:
    person = person_for_user(user=request.user)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a person in the organisation."))
    return person


def hr_required(view):
    """A view for signed-in HR only (`permissions.check_can_manage_cycles`)."""

    @wraps(view)
    @login_required
    def checked(request, *args, **kwargs):
        permissions.check_can_manage_cycles(request.user)
        return view(request, *args, **kwargs)

    return checked


def form_problems(form) -> list[str]:
    """A refused form's errors as the problems a page lists: each field's prefixed with
    its label (a hidden field's message stands alone), then the form's own."""
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            if field is None or field.widget.is_hidden or not field.label:
                problems.append(str(error))
            else:
                problems.append(f"{field.label}: {error}")
    return problems


def read_query(request, form_class, *, is_page: bool = True, **kwargs):
    """The page's address parameters read through `form_class` (a `QueryForm`): what is
    not understood is left out and, on a whole page, a message says so (a fragment asked
    by htmx has no place to show one, and its parameters are the page's own)."""
    form = form_class(request.GET, **kwargs)
    if is_page:
        for problem in form.problems:
            messages.warning(request, problem)
    return form


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

"""HR reads the audit trail: of one review, or of a whole cycle."""

from __future__ import annotations

from django.shortcuts import render

from reviews import audit, selectors
from reviews.forms import PageQuery
from reviews.views.common import PAGE_SIZE, hr_required, read_query


@hr_required
def review_audit(request, pk: int):
    """HR reads the audit trail of one review: who changed what, when, before and after."""
    review = selectors.review_get(user=request.user, pk=pk)
    return render(
        request,
        "reviews/review_audit.html",
        {"review": review, "entries": selectors.review_audit(review=review)},
    )


@hr_required
def cycle_audit(request, pk: int):
    """HR reads every change in a cycle, a page at a time, newest first."""
    cycle = selectors.cycle_get(pk=pk)
    number = read_query(request, PageQuery).values()["page"] or 1
    page = audit.cycle_audit_page(cycle=cycle, number=number, per_page=PAGE_SIZE)
    return render(request, "reviews/cycle_audit.html", {"cycle": cycle, "page": page})

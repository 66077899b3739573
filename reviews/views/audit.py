"""HR reads a review's audit trail."""

from __future__ import annotations

from django.shortcuts import render

from reviews import selectors
from reviews.views.common import hr_required


@hr_required
def review_audit(request, pk: int):
    """HR reads the audit trail of one review: who changed what, when, before and after."""
    review = selectors.review_get(user=request.user, pk=pk)
    return render(
        request,
        "reviews/review_audit.html",
        {"review": review, "entries": selectors.review_audit(review=review)},
    )

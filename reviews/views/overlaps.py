"""A warning, not a refusal, when HR puts a PM into a cycle whose period overlaps another
cycle the PM is already in: reviewing someone twice for the same months is usually a
mistake, but a yearly cycle beside quarterly ones can be meant."""

from __future__ import annotations

from django.contrib import messages
from django.utils.formats import date_format
from django.utils.translation import ngettext

from reviews import selectors
from reviews.services.common import names_listed

NAMES_SHOWN = 3


def warn_overlapping_cycles(request, *, cycle, person_ids) -> None:
    """One warning per other cycle, naming a few of the PMs and how many more."""
    for other, people in selectors.overlapping_participations(cycle=cycle, person_ids=person_ids):
        messages.warning(
            request,
            ngettext(
                "%(names)s is already in “%(cycle)s” (%(start)s to %(end)s), whose period "
                "overlaps this one. Check that they should be reviewed in both.",
                "%(names)s are already in “%(cycle)s” (%(start)s to %(end)s), whose period "
                "overlaps this one. Check that they should be reviewed in both.",
                len(people),
            )
            % {
                "names": names_listed(people, limit=NAMES_SHOWN),
                "cycle": other.name,
                "start": date_format(other.period_start),
                "end": date_format(other.period_end),
            },
        )

"""The parts of HR's and leaders' cycle pages that are cached, and which changes refresh
them: one version per cycle (appraisal.versions), bumped after commit by the audited
actions these parts show and by the computation's write. A draft's autosave (ratings,
texts, reported actuals) shows in none of them, so it leaves the parts alone.

Each part's key also holds the people version (names and teams, bumped by the people
import), the language and time zone, and a digest of the reader's CSRF secret: a part
holds forms, and their token must be the reader's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.middleware.csrf import get_token
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from appraisal import versions

from .models import AuditAction

# What the cycle page, the calibration table and a leader's team page show: progress
# (submissions, peers asked and answered), participants, phase and deadlines (and what
# blocks the next phase), results, calibrations and acknowledgements.
SHOWN_ON_CYCLE_PAGES = frozenset(
    {
        AuditAction.PARTICIPANT_ADDED,
        AuditAction.PARTICIPANT_REMOVED,
        AuditAction.PHASE_MOVED,
        AuditAction.DEADLINE_EXTENDED,
        AuditAction.ASSESSMENT_SUBMITTED,
        AuditAction.ASSESSMENT_REOPENED,
        AuditAction.PEERS_NOMINATED,
        AuditAction.PEERS_APPROVED,
        AuditAction.PEER_REQUEST_CHANGED,
        AuditAction.GRADE_CALIBRATED,
        AuditAction.RESULT_ACKNOWLEDGED,
    }
)


def cycle_version_name(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


def cycle_changed(cycle_id: int) -> None:
    """The cycle's parts are out of date (now, and again when the transaction commits)."""
    versions.bump(cycle_version_name(cycle_id))


def note_actions(cycle_actions: set[tuple[int, str]]) -> None:
    """Called by the audit trail with the (cycle, action) pairs it records."""
    changed = {cycle_id for cycle_id, action in cycle_actions if action in SHOWN_ON_CYCLE_PAGES}
    for cycle_id in changed:
        cycle_changed(cycle_id)


@dataclass(frozen=True)
class PartKey:
    """What a template's `{% cache part.seconds "name" part.key ... %}` needs."""

    seconds: int
    key: str


def cycle_part_key(request, cycle_id: int) -> PartKey:
    """The key of a cycle page's cached parts for this request. A page answering anything
    but a GET (a refused form shown again with its errors) builds its parts and stores none."""
    if not versions.enabled() or request.method not in ("GET", "HEAD"):
        return PartKey(0, "")
    secret = request.META.get("CSRF_COOKIE") or get_token(request)
    reader = hashlib.blake2b(str(secret).encode(), digest_size=8).hexdigest()
    return PartKey(
        versions.part_seconds(),
        ":".join(
            (
                versions.version(cycle_version_name(cycle_id)),
                versions.version("people"),
                get_language() or "",
                get_current_timezone_name(),
                reader,
            )
        ),
    )

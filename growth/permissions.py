"""Who may read or write a development plan.

These rules live here rather than in reviews/permissions.py because imports run one way
(growth → reviews): the plan is growth's noun, and its rules build on the review's own
answers (`reviews.permissions`), which stay the one place for the review itself.
"""

from __future__ import annotations

from appraisal.permissions import user_roles
from reviews import permissions
from reviews.models import Assessment, Review


def can_read_plan(user, review: Review) -> bool:
    """HR always; the PM's leader in that cycle once it is open; the PM only once the cycle
    is published, like the rest of the leader's words."""
    if user_roles(user).is_hr or permissions.can_lead_review(user, review):
        return True
    return permissions.is_reviewed_person(user, review) and permissions.are_results_published(
        review.cycle
    )


def can_edit_plan(user, review: Review, leader_assessment: Assessment) -> bool:
    """The PM's leader, while their leader assessment can still be edited."""
    return permissions.can_lead_review(user, review) and permissions.can_edit_assessment(
        leader_assessment, review.cycle
    )


def can_read_previous_plan(user, review: Review) -> bool:
    """The previous cycle's plan (published, so the PM may read it) is reviewed in this one:
    the PM, their leader in this cycle and HR read it."""
    return (
        user_roles(user).is_hr
        or permissions.can_self_assess(user, review)
        or permissions.can_lead_review(user, review)
    )


def can_record_progress(user, review: Review, self_assessment: Assessment) -> bool:
    """The PM records progress on their previous plan while their self-assessment in this
    cycle can still be edited."""
    return permissions.can_self_assess(user, review) and permissions.can_edit_assessment(
        self_assessment, review.cycle
    )

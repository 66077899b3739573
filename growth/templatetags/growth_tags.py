"""The development plan's parts on pages of the reviews app (the result, the leader's
review, the self-assessment), each included there by one line: the part reads what it
shows, asking growth.permissions for the signed-in user, so those views stay unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from growth import permissions, selectors
from growth.forms import ProgressForm
from growth.models import DevelopmentAction, DevelopmentPlan
from reviews.models import AssessmentRole, Review
from reviews.permissions import is_reviewed_person

register = template.Library()


def _user(context):
    return context["request"].user


@register.simple_tag(takes_context=True)
def development_plan_of(context, review: Review) -> DevelopmentPlan | None:
    """The review's plan with its actions, if the user may read it (two queries)."""
    if not permissions.can_read_plan(_user(context), review):
        return None
    return selectors.plan_get(review=review)


@register.simple_tag(takes_context=True)
def development_plan_summary(context, review: Review) -> selectors.PlanSummary | None:
    """What the link to the review's plan says, for whoever may read the plan."""
    if not permissions.can_read_plan(_user(context), review):
        return None
    return selectors.plan_summary(review=review)


@dataclass
class CarriedRow:
    action: DevelopmentAction
    form: ProgressForm | None = None  # the PM's progress form, while they may record it


@dataclass
class CarriedPlan:
    plan: DevelopmentPlan
    is_own: bool
    can_record: bool
    rows: list[CarriedRow] = field(default_factory=list)


@register.simple_tag(takes_context=True)
def carried_plan(context, review: Review, refused=None) -> CarriedPlan | None:
    """The plan carried into `review` from the previous cycle, if there is one and the
    user may read it, with a progress form per action for the PM while they may record it
    (`refused`: (action id, bound form) of a refused one, shown as typed)."""
    user = _user(context)
    if not permissions.can_read_previous_plan(user, review):
        return None
    plan = selectors.previous_plan_get(review=review)
    if plan is None:
        return None
    self_assessment = selectors.assessment_of(review=review, role=AssessmentRole.SELF)
    can_record = permissions.can_record_progress(user, review, self_assessment)
    refused_pk, refused_form = refused if refused else (None, None)
    rows = []
    for action in plan.actions.all():
        form = None
        if can_record:
            form = (
                refused_form
                if action.pk == refused_pk
                else ProgressForm(
                    initial={
                        "version": action.version,
                        "status": action.status,
                        "progress_note": action.progress_note,
                    },
                    prefix=ProgressForm.prefix_for(action.pk),
                )
            )
        rows.append(CarriedRow(action, form))
    return CarriedPlan(
        plan=plan,
        is_own=is_reviewed_person(user, review),
        can_record=can_record,
        rows=rows,
    )

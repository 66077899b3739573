"""What the leader types into a plan, and what the PM records of an action's progress."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from reviews.fields import WholeNumberField

from .models import ActionStatus
from .services import MAX_ACTIONS, ActionInput

PLAN_PREFIX = "actions"
TEXT = {"class": "form-control", "rows": 2}


class ActionForm(forms.Form):
    """One row of the plan: an action already in it carries its id."""

    id = WholeNumberField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    what = forms.CharField(
        label=gettext_lazy("Action"), max_length=2000, widget=forms.Textarea(attrs=TEXT)
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due date"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, owners: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # The list is read once per page (selectors.owner_choices), not once per row.
        self.fields["owner"].choices = [("", "—"), *owners]


class BaseActionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext_lazy("Remove")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def action_inputs(self) -> list[ActionInput]:
        """The rows to keep, in order: not marked for removal, and filled in (an empty row
        left empty has no cleaned data)."""
        removed = set(map(id, self.deleted_forms))
        return [
            ActionInput(
                what=form.cleaned_data["what"],
                owner_id=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
                id=form.cleaned_data.get("id"),
            )
            for form in self.forms
            if id(form) not in removed and form.cleaned_data
        ]


ActionFormSet = forms.formset_factory(
    ActionForm,
    formset=BaseActionFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_ACTIONS,
    validate_max=True,
)


def action_formset(*, owners, data=None, actions=()) -> BaseActionFormSet:
    """The plan's rows (its actions, then two empty rows to add more), bound to `data`
    when posted."""
    initial = [
        {"id": action.pk, "what": action.what, "owner": action.owner_id, "due_on": action.due_on}
        for action in actions
    ]
    # A posted form is not compared with the rows as they are now: they may have changed
    # since it was read (the version tells), and an empty row must stay an empty row.
    return ActionFormSet(
        data,
        initial=None if data is not None else initial,
        prefix=PLAN_PREFIX,
        form_kwargs={"owners": owners},
    )


class PlanVersionForm(forms.Form):
    version = WholeNumberField(min_value=0, widget=forms.HiddenInput)


class ProgressForm(forms.Form):
    """One action's progress; its fields are prefixed by the action, as the page holds one
    form per action."""

    version = WholeNumberField(min_value=0, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=ActionStatus.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    progress_note = forms.CharField(
        label=gettext_lazy("Progress note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
    )

    @staticmethod
    def prefix_for(action_pk: int) -> str:
        return f"progress-{action_pk}"

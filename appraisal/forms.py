from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.fields import QueryForm, WholeNumberField

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class PeopleImportForm(forms.Form):
    csv_file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: employee_id, name, email, username, title, team, leader_employee_id, "
            "is_pm. UTF-8. The whole file is refused if any row is bad."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("submit", _("Import")))

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class PeopleQuery(QueryForm):
    """The people directory's search, team filter and page (?q=…&team=…&page=…)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    team = WholeNumberField(label=_("Team"), required=False, min_value=1, max_value=2**63 - 1)
    page = WholeNumberField(label=_("Page"), required=False, min_value=1)

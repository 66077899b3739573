"""Model fields of the reviews app."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class JSONText(models.TextField):
    """A JSON object kept as text: written and read whole, never queried inside.

    A result's explanation (3 to 4 KiB a PM) is written once per computation and read
    whole by its result page. As jsonb, PostgreSQL parsed and re-encoded every one on
    insert and compressed the binary form: ten times the cost of storing the text (1.4 to
    1.7 s against 0.13 s for 10,000 results, bench/RESULTS.md), for key lookups nothing
    uses. What the computation writes is stored byte for byte (rows migrated from jsonb
    keep jsonb's spelling of the same document until their result changes).

    In Python the value is the decoded document; a str is taken as JSON text already
    encoded (as the computation's COPY sends it), never as a JSON string."""

    description = "JSON text"

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):  # from a fixture or a form: the JSON text
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValidationError(f"Not JSON: {error}", code="invalid") from error
        return value

    def get_prep_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"))  # as the computation writes it

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})

"""Model fields of the reviews app."""

import json

from django.db import models


class JSONText(models.TextField):
    """JSON kept as text: written and read whole, never queried inside.

    A result's explanation (3 to 4 KiB a PM) is written once per computation and read
    whole by its result page. As jsonb, PostgreSQL parsed and re-encoded every one on
    insert and compressed the binary form: ten times the cost of storing the text (1.4 to
    1.7 s against 0.13 s for 10,000 results, bench/RESULTS.md), for key lookups nothing
    uses. The text stored is what the computation wrote, byte for byte."""

    description = "JSON text"

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):  # from a fixture or a form: the JSON text
            return json.loads(value)
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"))  # as the computation writes it

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

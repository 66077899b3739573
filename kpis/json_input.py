"""JSON a person uploads (a template, a what-if scenario), read with bounds: a document too
large, nested too deep (json.loads recurses once per level and raises RecursionError near
a thousand) or holding a number of thousands of digits is refused with a message, before
it is parsed."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

MAX_JSON_CHARACTERS = 2 * 1024 * 1024  # as the upload forms' 2 MB
MAX_JSON_DEPTH = 20  # a template nests 4 levels, a scenario 5
MAX_NUMBER_CHARACTERS = 40  # longer than any number a column keeps

# A JSON string (skipped whole: brackets inside it do not nest; one left open runs to the
# end, so no quote is scanned twice), a bracket, or a number.
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)|[\[\]{}]|-?[0-9][0-9.eE+-]*+')


class JSONRefused(ValueError):  # noqa: N818 - reads as the domain's word
    """The document is refused; the message says why, for the person who uploaded it."""


def json_document(text: str, *, parse_int=None) -> Any:
    """The document in `text`, numbers as `Decimal` where they have decimals (and whole
    ones too with `parse_int=Decimal`). Raises `JSONRefused` with a message."""
    if len(text) > MAX_JSON_CHARACTERS:
        raise JSONRefused(_("The file is larger than 2 MB."))
    depth = 0
    for token in _TOKEN.finditer(text):
        character = token.group()[0]
        if character in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(
                    _("The file nests lists or objects more than %(depth)s levels deep.")
                    % {"depth": MAX_JSON_DEPTH}
                )
        elif character in "]}":
            depth -= 1
        elif character != '"' and len(token.group()) > MAX_NUMBER_CHARACTERS:
            raise JSONRefused(
                _("The file holds a number of more than %(count)s characters.")
                % {"count": MAX_NUMBER_CHARACTERS}
            )
    try:
        return json.loads(
            text, parse_float=Decimal, parse_int=parse_int, parse_constant=_refuse_constant
        )
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise JSONRefused(_("The file is not valid JSON: %(error)s") % {"error": error}) from None


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a number") % {"name": name})

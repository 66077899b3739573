"""Fields of the reviews app: the JSON text column, and the form fields every typed number
goes through (read in the active language's format, bounded by the column, or refused)."""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import get_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy


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


# --- form fields: every number a person types is read here --------------------------------


def _grouping_separators() -> set[str]:
    """The separators a number typed in the active language may group thousands with: the
    language's own, and "," wherever "." marks the decimals (Chinese formats set none, but
    people type 1,500 there as in English)."""
    separators = {get_format("THOUSAND_SEPARATOR")}
    if get_format("DECIMAL_SEPARATOR") == ".":
        separators.add(",")
    return separators - {""}


def parse_number(text: str) -> Decimal | None:
    """A number typed in the active language's format (1234.5, 1,234.5, -2), or None when
    blank. Raises ValueError(text) for anything else: letters, exponents, NaN and infinity,
    digits other than 0-9 (², full-width one), and thousands grouped wrongly, like "1,5",
    which is 1.5 to a German and 15 to a careless parser, or "1.234,5"."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(text[:MAX_NUMBER_LENGTH] + "…")
    whole, has_decimals, decimals = text.partition(get_format("DECIMAL_SEPARATOR"))
    sign = ""
    if whole.startswith(("-", "+")):
        sign, whole = whole[0], whole[1:]
    for separator in _grouping_separators():
        if separator in whole:
            groups = whole.split(separator)
            if not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])):
                raise ValueError(text)
            whole = "".join(groups)
    digits = whole + decimals
    if not (digits.isascii() and digits.isdigit()) or (has_decimals and not decimals):
        raise ValueError(text)
    try:
        return Decimal(f"{sign}{whole or '0'}.{decimals}" if has_decimals else f"{sign}{whole}")
    except InvalidOperation:
        raise ValueError(text) from None


# Longer than any number a column here keeps (16 digits, a sign, separators): refused as
# typed, so a megabyte of digits is not converted before it is refused.
MAX_NUMBER_LENGTH = 40


def number_example() -> str:
    """1,234.5 as the active language writes it, for messages saying how to write one."""
    return number_format(Decimal("1234.5"), 1, force_grouping=True)


class NumberField(forms.DecimalField):
    """A decimal typed in the active language's number format (see `parse_number`),
    bounded by the digits of the column it is written to (`max_digits`, `decimal_places`,
    both required): a number too large, or with more decimals than the column keeps, is
    refused with a message saying what fits, never rounded, nor left to the database."""

    default_error_messages = {
        "invalid": gettext_lazy("“%(value)s” is not a number: write it like %(example)s."),
        "max_decimal_places": gettext_lazy(
            "Give %(value)s with at most %(decimals)s decimals: it is not rounded."
        ),
        "max_whole_digits": gettext_lazy(
            "%(value)s is too large: give at most %(digits)s digits before the decimals."
        ),
    }

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        # validate() counts the digits, saying what fits: DecimalValidator would refuse
        # 1.50 for a 1-decimal column, and say "9 digits in total" where 7 fit before
        # the decimals.
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, validators.DecimalValidator)
        ]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)  # an initial value, compared by has_changed
        try:
            return parse_number(str(value))
        except ValueError as error:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"value": str(error), "example": number_example()},
            ) from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        _sign, digits, exponent = value.normalize().as_tuple()
        if -exponent > self.decimal_places:
            raise forms.ValidationError(
                self.error_messages["max_decimal_places"],
                code="max_decimal_places",
                params={"value": value, "decimals": self.decimal_places},
            )
        if len(digits) + exponent > self.max_digits - self.decimal_places:
            raise forms.ValidationError(
                self.error_messages["max_whole_digits"],
                code="max_whole_digits",
                params={
                    "value": str(value)[:MAX_NUMBER_LENGTH],
                    "digits": self.max_digits - self.decimal_places,
                },
            )


class WholeNumberField(forms.IntegerField):
    """A whole number written with the digits 0 to 9 (a rating, a version, an id).
    Django's IntegerField reads any Unicode digit (int() reads a full-width 1 as 1), which
    nobody here types as a number, and converts a megabyte of digits before refusing it.
    Bounded by a 32-bit integer unless told otherwise, as the columns are."""

    default_error_messages = {
        "invalid": gettext_lazy("“%(value)s” is not a whole number written with 0 to 9."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        digits = text[1:] if text[:1] in ("-", "+") else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"value": text[:MAX_NUMBER_LENGTH]},
            )
        return int(text)


class QueryForm(forms.Form):
    """The parameters of a page's address (?page=2&team=7), read as a form: a value that
    is not understood (page=abc, team=x) is left out, the page shows its default instead,
    and `problems` says so."""

    def values(self) -> dict:
        """Each parameter's value: the cleaned one, or None when absent or not understood."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}

    @property
    def problems(self) -> list[str]:
        return [
            gettext("%(label)s “%(value)s” in the address is not understood: it is left out.")
            % {
                "label": self.fields[name].label or name,
                "value": str(self.data.get(name, ""))[:MAX_NUMBER_LENGTH],
            }
            for name in self.errors
        ]

    def query(self, **changes) -> str:
        """The understood parameters as a query string (without "?"), with `changes`."""
        values = {**self.values(), **changes}
        return urlencode({name: value for name, value in values.items() if value not in ("", None)})


def _is_id(value) -> bool:
    """Could `value` be a primary key? Digits within a 64-bit integer: a longer number
    would overflow the database's integer before the lookup could find nothing."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63


class ChoiceOfField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses a value no row could have as its key."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ChoicesOfField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses values no row could have as its key."""

    def _check_values(self, value):
        for key in value:
            if not _is_id(key):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return super()._check_values(value)

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`mapping|lookup:key`: a dict's value in a template (None when absent)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def item_at(sequence, index):
    """`pair|item_at:0`: one element of a tuple."""
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return None


@register.filter
def number(value):
    """`{{ value|number }}`: a number without trailing zeros (12.50 is 12.5, 3.0000 is 3)
    in the active language's format, as people type it back into a number field; text
    (a value typed and shown again) as it is, None as ""."""
    if value is None or isinstance(value, str):
        return value or ""
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not value.is_finite():
        return str(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, use_l10n=True)

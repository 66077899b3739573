from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

from reviews import formulas

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
def figure(value):
    """`{{ score|figure }}`: a score, points, percentage, mean or weight with two decimals
    in the active language's format, "—" when there is none (reviews.formulas.figure)."""
    return formulas.figure(value)


@register.filter
def entered(value):
    """`{{ actual|entered }}`: an input as it was entered, without trailing zeros."""
    return formulas.entered(value)


@register.filter
def exact(value):
    """`{{ value|exact }}`: a computed value with every decimal the computation kept."""
    return formulas.exact(value)


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

from django import template

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

from django import template

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

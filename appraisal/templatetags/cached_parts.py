"""`{% part name stamps vary... %}...{% endpart %}`: a cached part of a page
(appraisal.fragments). `stamps` is what `fragments.stamp(tables)` gave the view (None: not
cached); the part's key is its name, the `vary` values, the stamps, the language and the
time zone. What the part reads should be lazy in the context, so that a cached part costs
no query. A page answering anything but a GET (a refused POST showing its input and
errors) builds its parts and never stores them."""

from django import template
from django.utils.safestring import mark_safe

from appraisal import fragments

register = template.Library()


class PartNode(template.Node):
    def __init__(self, nodelist, name, stamps, vary):
        self.nodelist, self.name, self.stamps, self.vary = nodelist, name, stamps, vary

    def render(self, context):
        vary = tuple(value.resolve(context) for value in self.vary)

        def render_part() -> str:
            with context.push(csrf_token=fragments.CSRF_PLACEHOLDER):
                return self.nodelist.render(context)

        request = context.get("request")
        stamps = self.stamps.resolve(context)
        if request is not None and request.method not in ("GET", "HEAD"):
            stamps = None
        text = fragments.cached(self.name.resolve(context), vary, stamps, render_part)
        return mark_safe(fragments.with_csrf(text, context.get("csrf_token")))  # noqa: S308


@register.tag("part")
def do_part(parser, token):
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("{% part name stamps [vary ...] %}")
    nodelist = parser.parse(("endpart",))
    parser.delete_first_token()
    return PartNode(
        nodelist,
        parser.compile_filter(bits[1]),
        parser.compile_filter(bits[2]),
        [parser.compile_filter(bit) for bit in bits[3:]],
    )

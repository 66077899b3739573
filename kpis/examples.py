"""The example file of the scorecard import page: a template the importer takes as it is.

The example is the export of one of this installation's own templates under a fresh key,
not a template written by hand: the export and the import share one format
(`template_to_dict`), so the example cannot drift from what the importer accepts, and it
uses KPIs and competencies that are in this catalog.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .models import ScorecardTemplate
from .selectors import template_queryset
from .services import _unique_key, template_dumps


def template_example_source() -> ScorecardTemplate | None:
    """The template the example is exported from: the first active one by name."""
    return template_queryset().filter(is_active=True).order_by("name", "pk").first()


def template_example_json(*, template: ScorecardTemplate) -> str:
    """The export of `template` under a key no template has yet, named as an example, so
    an upload of the file unchanged creates a new template."""
    # Reloading the export's JSON keeps its numbers exactly as exported (the shortest
    # float repr round-trips), so only the key and the names differ from the export.
    data = json.loads(template_dumps(template))
    data["key"] = _unique_key(f"{template.key}-example")
    data["name"] = _("%(name)s (example)") % {"name": template.name}
    data["name_zh"] = f"{template.name_zh}（示例）" if template.name_zh else ""  # noqa: RUF001
    return json.dumps(data, ensure_ascii=False, indent=2)

"""Template helpers of the dashboards: a figure in its unit, linked to its records.

Rendered in Python: a leaderboard has a cell per agent and indicator, and an include per
cell cost more than the figures' queries.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def shown(value, unit: str = "") -> str:
    """A figure as the dashboards show it: ¥1,234.50, 12, 66.7%, 4.5, 95 min, — for none."""
    if value is None or value == "":
        return "—"
    if unit == "money":
        return f"¥{floatformat(value, '2g')}"
    if unit == "percent":
        return f"{floatformat(value, -1)}%"
    if unit == "one":
        return floatformat(value, -1)
    if unit == "minutes":
        minutes = _("min")
        return f"{floatformat(value, -1)} {minutes}"
    return floatformat(value, -2)


@register.simple_tag
def figure_cell(value, unit: str = "", url: str | None = None, element_id: str = "") -> str:
    """The figure, a link to its records when it has a link and a value."""
    text = shown(value, unit)
    if not url or value is None:
        return format_html('<span id="{}">{}</span>', element_id, text) if element_id else text
    if element_id:
        return format_html('<a href="{}" class="figure-link" id="{}">{}</a>', url, element_id, text)
    return format_html('<a href="{}" class="figure-link">{}</a>', url, text)

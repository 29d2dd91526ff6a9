"""Template helpers of the scorecard pages: a figure in its unit, who may score quality."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext

from performance import access as performance_access

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    """A scorecard figure as people read it: ¥1,234.50, 12, 66.7 %, 4.25, 95 min."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if unit == "money":
        return f"¥{floatformat(value, '2g')}"
    if unit == "count":
        return floatformat(value, "0g")
    if unit == "percent":
        return f"{floatformat(value, 1)} %"
    if unit == "minutes":
        return f"{floatformat(value, '0g')} {gettext('min')}"
    return floatformat(value, 2)


@register.filter
def may_score_quality(user) -> bool:
    """Whether `user` may score follow-ups and calls (performance.access.can_score_quality)."""
    return performance_access.can_score_quality(user)

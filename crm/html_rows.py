"""Writing the rows of a long list in one pass, with the template loop's markup.

A Django template loop costs 0.1–0.4 ms a row (each variable resolved, each `{% url %}`
and `{% csrf_token %}` rendered): on the lists agents open all day (the worklist, the
pool) and on every page's menu that is most of the page. The tags that write rows in
Python use these helpers, so escaping, dates and links come out as the template wrote
them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeData, mark_safe


def cell(value) -> str:
    """`value` escaped for HTML unless it is already safe (as `format_html` does)."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


def rows_html(pattern: str, rows: Iterable[Iterable]) -> str:
    """`format_html_join("\\n", pattern, rows)` without its per-value lazy-text checks
    (3 ms on a page of fifty rows of twenty cells). Every value goes through `cell`, so
    the joined markup is safe."""
    return mark_safe(  # noqa: S308 (each value escaped by cell)
        "\n".join(pattern.format(*map(cell, row)) for row in rows)
    )


def local(moment, pattern: str) -> str:
    """`moment` in the user's time zone as the `date` filter writes it ("" for None)."""
    return dateformat.format(timezone.localtime(moment), pattern) if moment else ""


def url_for_pk(name: str) -> Callable[[int], str]:
    """The URL of `name` for a pk, reversed once for the whole list, not once a row."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))

"""Where a figure's records are listed, and the page listing the records of a live figure.

Every figure on a dashboard links to its records, filtered to that figure and span:

* from a scorecard: the scorecard's drill-down (`performance:scorecard_drilldown`);
* live: `performance:figure_records`, `/performance/figures/<source>/?level=&subject=&start=
  &end=` — the indicator's records (`Metric.drilldown()`) for one agent, team or department
  over [start, end), `end` being the moment the figure was computed, so a count's link lists
  exactly that many records even while new ones come in.
"""

from __future__ import annotations

import functools

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from crm.views import query_without_page, staff_required

from ..metrics import METRICS
from ..models import Indicator, Level, Source
from ..periods import Span
from ..selectors.dashboards.figures import FigureRow, FigureSet
from ..selectors.dashboards.records import parse_moment, records_page, subject_of

RECORDS_PAGE = 50


def figure_url(figures: FigureSet, row: FigureRow, *, _base: str | None = None) -> str | None:
    """The records behind one figure of `figures` (`_base`: `_set_base(figures)`, when
    linking many rows of one set)."""
    base = _base if _base is not None else _set_base(figures)
    if not figures.live:
        if not base or not row.code:
            return None
        return f"{base}{row.code}/"
    return f"{_records_base(row.source)}?{base}"


def _set_base(figures: FigureSet) -> str:
    """What the links of one set share: the span's query when live, else the scorecard's
    drill-down prefix (reversed once a set: a comparison page links ~600 figures)."""
    if figures.live:
        return _span_query(figures)
    if figures.scorecard is None:
        return ""
    return reverse("performance:scorecard_drilldown", args=[figures.scorecard.pk, "-"])[:-2]


def _span_query(figures: FigureSet) -> str:
    start, end = figures.span.bounds
    return urlencode(
        {
            "level": figures.level,
            "subject": figures.subject_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
    )


@functools.cache
def _records_base(source: str) -> str:
    return reverse("performance:figure_records", args=[source])


def link_figures(figures: FigureSet | None) -> dict[str, str]:
    """Set each row's `url`; {source: url} for templates that look figures up by source."""
    if figures is None:
        return {}
    base = _set_base(figures)
    links = {}
    for row in figures.rows:
        row.url = figure_url(figures, row, _base=base)
        if row.url:
            links[row.source] = row.url
    return links


@staff_required
@require_GET
def figure_records(request, source: str):
    """The records behind a live figure, newest first, 50 to a page, with their count and
    what they add up to."""
    if source not in METRICS:
        raise Http404
    start, end = parse_moment(request.GET.get("start")), parse_moment(request.GET.get("end"))
    level = request.GET.get("level")
    raw_subject = request.GET.get("subject") or ""
    if start is None or end is None or start > end or level not in Level.values:
        raise Http404
    if not raw_subject.isdigit() or int(raw_subject) > 2**31 - 1:
        raise Http404
    span = Span(start, end)
    subject = subject_of(request.user, level, int(raw_subject), span)
    if subject is None:
        raise Http404
    try:
        number = max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        number = 1
    page = records_page(request.user, source, subject, span, page=number, size=RECORDS_PAGE)
    indicator = Indicator.objects.filter(source=source).order_by("-is_active", "position").first()
    return render(
        request,
        "performance/scorecards/drilldown.html",
        {
            "live": True,
            "indicator": indicator,
            "indicator_name": indicator.label if indicator else Source(source).label,
            "unit": indicator.unit if indicator else "count",
            "name": subject.name,
            "span": span,
            "page": page,
            "number": number,
            "has_next": page.has_next,
            "rows": page.rows,
            "query": query_without_page(request),
        },
    )

"""Pages of long lists: the API's pagination classes and the pages' capped paginator.

`StandardPagination` is the API default (settings `DEFAULT_PAGINATION_CLASS`): numbered
pages with a count. `UncountedPagination` pages lists too long to count (leads,
follow-ups, calls, orders, revisits): it reads one row more than the page instead.
`CappedPaginator` is Django's paginator for the HTML pages, counting up to a cap.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class StandardPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class UncountedPagination(pagination.BasePagination):
    """Page-number pages that read `page_size + 1` rows instead of counting them all.

    A page answers `next` and `previous` only (`results` holds at most `page_size` rows).
    A subclass that reads its rows another way overrides `rows()`.
    """

    page_size = 50
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"
    # Deep offsets are slow and far beyond any real browsing; they answer 404.
    max_page_number = 100_000

    @staticmethod
    def _positive(request, name: str) -> int | None:
        try:
            value = int(request.query_params.get(name, ""))
        except ValueError:
            return None
        return value if value >= 1 else None

    def rows(self, queryset, request, *, offset: int, limit: int) -> list:
        """At most `limit` rows of the list from `offset` on."""
        return list(queryset[offset : offset + limit])

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        # Like DRF's pages: a bad page size falls back to the default, a big one is capped.
        size = self._positive(request, self.page_size_query_param) or self.page_size
        self.size = min(size, self.max_page_size)
        self.number = 1
        if request.query_params.get(self.page_query_param, "") != "":
            self.number = self._positive(request, self.page_query_param) or 0
            if not 1 <= self.number <= self.max_page_number:
                raise NotFound(_("Invalid page."))
        offset = (self.number - 1) * self.size
        rows = self.rows(queryset, request, offset=offset, limit=self.size + 1)
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def _link(self, number: int | None) -> str | None:
        if number is None:
            return None
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.number + 1 if self.has_next else None),
                "previous": self._link(self.number - 1 if self.number > 1 else None),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number within the paginated result set.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_number},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: "1–50 of 1000+" instead of an exact count of the pool.

    An exact count reads every matching row, and on a table that is updated all day the
    index alone does not answer it (the visibility map lags), so the count was most of a
    pool page's time (docs/operations.md, "Measured choices"). Nobody pages through more
    than twenty pages of a pool or of a department's leads; they filter instead. Pages up
    to the cap are served.
    """

    def __init__(self, object_list, per_page, *, cap: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # Unordered: any cap + 1 rows will do, so the planner reads the filter's own
        # indexes (about cap + 1 rows) instead of walking the sort's index past every row
        # the filter drops (16,000 buffers for one team's leads at 50,000 leads).
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        """More rows than counted: the total shows as "cap+"."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return -(-self.cap // self.per_page)
        return super().num_pages

"""The lead's timeline shows its orders (registered from `OrdersConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from leads.selectors.leads import TimelineEntry, timeline_source

from .selectors import orders_of_lead


@timeline_source("order")
def lead_orders(lead) -> Iterable[TimelineEntry]:
    return (TimelineEntry(row.created_at, "order", row) for row in orders_of_lead(lead))

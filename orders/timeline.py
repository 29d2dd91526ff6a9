"""The lead's timeline shows its orders (registered from `OrdersConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from leads.selectors.leads import TimelineEntry, newest_of_lead, timeline_source

from .models import Order
from .selectors import orders_of_lead


@timeline_source("order", present=lambda pk: Order.objects.filter(lead_id=pk))
def lead_orders(lead, limit) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("order", orders_of_lead, lead.pk, limit)
    return (TimelineEntry(row.created_at, "order", row) for row in rows)

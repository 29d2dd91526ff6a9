"""What after-sales does when an order moves (connected in `AftersalesConfig.ready()`).

A receiver only calls a service: delivered → schedule the revisits; refunded → cancel the
ones still to do. It runs inside the order move's transaction, so a move that fails
schedules nothing.
"""

from __future__ import annotations

from orders.models import OrderStatus

from .services import revisits


def on_order_moved(sender, *, order, from_status=None, to_status=None, by=None, **kwargs):
    if to_status == OrderStatus.DELIVERED:
        revisits.revisits_schedule(order=order, delivered_at=order.delivered_at)
    elif to_status == OrderStatus.REFUNDED:
        revisits.revisits_cancel(order=order)

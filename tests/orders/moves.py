"""Bring an order to any status through the legal moves (for tests over TRANSITIONS)."""

from __future__ import annotations

from orders.models import Order, OrderStatus
from orders.services import order_moves

PATH_TO = {
    OrderStatus.DRAFT: [],
    OrderStatus.CONFIRMED: [OrderStatus.CONFIRMED],
    OrderStatus.PROCESSING: [OrderStatus.CONFIRMED, OrderStatus.PROCESSING],
    OrderStatus.SHIPPED: [OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED],
    OrderStatus.DELIVERED: [
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ],
    OrderStatus.COMPLETED: [
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    OrderStatus.REFUNDED: [
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.REFUNDED,
    ],
}


def move_kwargs(to: str) -> dict:
    """What each move needs to be legal besides its from-status."""
    kwargs = {"reason": "客户要求"}
    if to == OrderStatus.SHIPPED:
        kwargs["tracking_number"] = "SF1234567890"
    if to == OrderStatus.PROCESSING:
        kwargs["paid"] = True
    return kwargs


def move(order: Order, to: str, by) -> Order:
    return order_moves.MOVES[to](order=order, by=by, **move_kwargs(to))


def bring_to(order: Order, status: str, by) -> Order:
    for to in PATH_TO[status]:
        move(order, to, by)
    order.refresh_from_db()
    assert order.status == status
    return order

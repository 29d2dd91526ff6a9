"""Who may act on an order: its agent (if their role sells), or a manager, head or admin
whose scope holds it; who may approve a discount; and the row lock every change takes."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm import access
from orders import access as orders_access

from ..models import ZERO, DiscountLimit, Order


def role_of(*, user: User) -> str | None:
    return access.scope_of(user).role


def can_work_order(user: User, order: Order) -> bool:
    """May `user` edit or move `order`? Its agent (a selling role), or a manager, head or
    admin who sees it."""
    if order.agent_id == getattr(user, "pk", None) and orders_access.can_take_orders(user):
        return True
    return (
        orders_access.can_manage_orders(user)
        and orders_access.visible_orders(user).filter(pk=order.pk).exists()
    )


def discount_limit_for(*, role: str | None) -> Decimal:
    """The largest discount (% of the list total) a role gives alone; none without a row."""
    if not role:
        return ZERO
    row = DiscountLimit.objects.filter(role=role).first()
    return row.max_percent if row else ZERO


def can_approve_order(user: User, order: Order) -> bool:
    """A manager, head or admin who sees the order, is not its seller, and whose own
    discount limit covers the order's discount."""
    return (
        orders_access.can_approve_discounts(user)
        and order.agent_id != getattr(user, "pk", None)
        and orders_access.visible_orders(user).filter(pk=order.pk).exists()
        and order.discount_percent <= discount_limit_for(role=role_of(user=user))
    )


def order_lock_for_change(*, order: Order, by: User) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not can_work_order(by, locked):
        raise ValidationError({"order": _("You may not change this order.")})
    return locked


def copy_back(*, locked: Order, order: Order) -> Order:
    """The caller's instance shows the result too."""
    if order is not locked:
        for field in Order._meta.concrete_fields:
            setattr(order, field.attname, getattr(locked, field.attname))
    return order

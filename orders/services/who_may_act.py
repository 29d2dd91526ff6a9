"""The row lock every change of an order takes, after asking `orders.access` who may act
(its agent, if their role sells, or a manager, head or admin whose scope holds it)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..access import can_work_order
from ..models import Order


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

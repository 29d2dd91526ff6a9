"""The order's moves along `orders.models.TRANSITIONS`, one service per move, each under
a row lock, with its event, its sales-ledger entry and the `order_moved` signal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    TRANSITIONS,
    Approval,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    PaymentTerms,
    SalesEntry,
)
from ..signals import order_moved
from . import payments
from .who_may_act import copy_back, order_lock_for_change


def _ledger(order: Order, *, kind: str, amount: Decimal, at: dt.datetime) -> None:
    SalesEntry.objects.get_or_create(
        order=order,
        kind=kind,
        defaults={
            "agent_id": order.agent_id,
            "team_id": order.team_id,
            "day": timezone.localdate(at),
            "amount": amount,
            "at": at,
        },
    )


def _move(
    *, order: Order, by: User, to: str, reason: str = "", reason_required: bool = False, check=None
) -> Order:
    """Lock, check the move against TRANSITIONS, apply it, record it, tell listeners."""
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": _("Say why.")})
    with transaction.atomic():
        locked = order_lock_for_change(order=order, by=by)
        from_status = locked.status
        if to not in TRANSITIONS[from_status]:
            raise ValidationError(
                {
                    "status": _("An order that is “%(from)s” cannot become “%(to)s”.")
                    % {"from": OrderStatus(from_status).label, "to": OrderStatus(to).label}
                }
            )
        now = timezone.now()
        fields = ["status", "updated_at"]
        if check is not None:
            fields += check(locked, now)
        locked.status = to
        locked.save(update_fields=fields)
        OrderEvent.objects.create(
            order=locked,
            kind=OrderEvent.Kind.MOVED,
            from_status=from_status,
            to_status=to,
            reason=reason,
            by=by,
            at=now,
        )
        if to == OrderStatus.CONFIRMED:
            _ledger(locked, kind=SalesEntry.Kind.CONFIRMED, amount=locked.total, at=now)
            payments.installment_default_plan(locked=locked, day=timezone.localdate(now))
        elif to in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) and locked.confirmed_at:
            kind = (
                SalesEntry.Kind.CANCELLED
                if to == OrderStatus.CANCELLED
                else SalesEntry.Kind.REFUNDED
            )
            _ledger(locked, kind=kind, amount=-locked.total, at=now)
        if to in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            locked.installments.update(order_reversed=True)  # nothing is owed any more
        order_moved.send(sender=Order, order=locked, from_status=from_status, to_status=to, by=by)
    return copy_back(locked=locked, order=order)


def _paid_in_full(locked: Order, *, by: User, paid: bool, now) -> None:
    """The move's "payment received" tick: a payment of what is still owed, recorded like
    any other (`orders.services.payments`), so `is_paid` follows the payments."""
    if not paid or locked.is_paid:
        return
    balance = locked.total - payments.paid_total(locked)
    if balance > 0:
        payments.payment_apply(
            locked=locked,
            by=by,
            amount=balance,
            method=PaymentMethod.OTHER,
            paid_on=timezone.localdate(now),
        )


def order_confirm(*, order: Order, by: User, reason: str = "") -> Order:
    """确认订单: the customer agreed to the lines, price and terms. The amount counts as
    sold for the agent and the team today."""

    def check(locked: Order, now) -> list[str]:
        if locked.approval == Approval.PENDING:
            raise ValidationError({"approval": _("The discount waits for a manager's approval.")})
        if locked.approval == Approval.REJECTED:
            raise ValidationError(
                {"approval": _("The discount was refused: lower it or cancel the order.")}
            )
        if not locked.lines.exists():
            raise ValidationError({"lines": _("An order needs at least one line.")})
        locked.confirmed_at = now
        return ["confirmed_at"]

    return _move(order=order, by=by, to=OrderStatus.CONFIRMED, reason=reason, check=check)


def order_start_processing(
    *, order: Order, by: User, reason: str = "", paid: bool = False
) -> Order:
    """订单处理: the order was checked and approved inside the company; a prepaid order
    starts only once the payment is in (`paid` records it with the move)."""

    def check(locked: Order, now) -> list[str]:
        _paid_in_full(locked, by=by, paid=paid, now=now)
        if locked.payment_terms == PaymentTerms.PREPAID and not locked.is_paid:
            raise ValidationError(
                {"paid": _("A prepaid order is processed once the payment is in.")}
            )
        return []

    return _move(order=order, by=by, to=OrderStatus.PROCESSING, reason=reason, check=check)


def order_ship(*, order: Order, by: User, tracking_number: str, reason: str = "") -> Order:
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise ValidationError({"tracking_number": _("Enter the tracking number.")})
    if len(tracking_number) > 100:
        raise ValidationError({"tracking_number": _("At most 100 characters.")})

    def check(locked: Order, now) -> list[str]:
        locked.tracking_number = tracking_number
        locked.shipped_at = now
        return ["tracking_number", "shipped_at"]

    return _move(order=order, by=by, to=OrderStatus.SHIPPED, reason=reason, check=check)


def order_deliver(*, order: Order, by: User, reason: str = "", paid: bool = False) -> Order:
    """订单交付: the customer has the goods (cash on delivery: `paid` records the payment)."""

    def check(locked: Order, now) -> list[str]:
        locked.delivered_at = now
        _paid_in_full(locked, by=by, paid=paid, now=now)
        return ["delivered_at"]

    return _move(order=order, by=by, to=OrderStatus.DELIVERED, reason=reason, check=check)


def _closing(locked: Order, now) -> list[str]:
    """A move that ends the order (completed, cancelled, refunded) stamps when it closed."""
    locked.closed_at = now
    return ["closed_at"]


def order_complete(*, order: Order, by: User, reason: str = "") -> Order:
    return _move(order=order, by=by, to=OrderStatus.COMPLETED, reason=reason, check=_closing)


def order_cancel(*, order: Order, by: User, reason: str) -> Order:
    """Cancel before shipping (reason required); a confirmed amount is taken back today."""

    return _move(
        order=order,
        by=by,
        to=OrderStatus.CANCELLED,
        reason=reason,
        reason_required=True,
        check=_closing,
    )


def order_refund(*, order: Order, by: User, reason: str) -> Order:
    """Refund or return after delivery (reason required); the amount is taken back today."""

    return _move(
        order=order,
        by=by,
        to=OrderStatus.REFUNDED,
        reason=reason,
        reason_required=True,
        check=_closing,
    )


#: The service of each move, by the status it leads to (pages and the API dispatch here).
MOVES = {
    OrderStatus.CONFIRMED: order_confirm,
    OrderStatus.PROCESSING: order_start_processing,
    OrderStatus.SHIPPED: order_ship,
    OrderStatus.DELIVERED: order_deliver,
    OrderStatus.COMPLETED: order_complete,
    OrderStatus.CANCELLED: order_cancel,
    OrderStatus.REFUNDED: order_refund,
}

"""Money received (回款): recording payments and refunds, installment plans, and the
allocation of what was paid to the installments, oldest due first.

Every write locks the order row (`order_lock_for_change`), so two people recording money
on one order at once are serialized and the allocation is computed on committed figures.
`Order.is_paid` is kept here and only here (besides the legacy "payment received" tick of
the processing and delivery moves, which records a payment of the balance through
`payment_apply`): it is true once the payments add up to the order's total.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    SOLD_STATUSES,
    ZERO,
    Installment,
    Order,
    OrderEvent,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentTerms,
)
from .who_may_act import copy_back, order_lock_for_change

CENT = Decimal("0.01")
MAX_INSTALLMENTS = 60
NET_DAYS = 30


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter an amount.")}) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationError({field: _("Enter an amount with at most two decimals.")})
    return amount


def paid_total(order: Order) -> Decimal:
    """What the payments of an order add up to (refunds subtracted)."""
    return order.payments.aggregate(total=Sum("amount"))["total"] or ZERO


def _allocate(order: Order, total_paid: Decimal) -> None:
    """Spread `total_paid` over the order's installments, oldest due first."""
    left = max(total_paid, ZERO)
    for installment in order.installments.order_by("due_on", "number"):
        covered = min(left, installment.amount)
        left -= covered
        if covered != installment.paid_amount:
            installment.paid_amount = covered
            installment.save(update_fields=["paid_amount"])


def _keep_paid_flag(order: Order, total_paid: Decimal) -> None:
    is_paid = order.total > 0 and total_paid >= order.total
    if order.is_paid != is_paid:
        order.is_paid = is_paid
        order.save(update_fields=["is_paid", "updated_at"])


def payment_apply(
    *,
    locked: Order,
    by: User,
    amount: Decimal,
    method: str,
    paid_on: dt.date,
    reference: str = "",
    kind: str = PaymentKind.PAYMENT,
) -> Payment:
    """Record money on an order already locked by the caller (inside its transaction)."""
    already = paid_total(locked)
    if kind == PaymentKind.PAYMENT and amount > locked.total - already:
        raise ValidationError(
            {
                "amount": _("At most %(balance)s is still owed on this order.")
                % {"balance": locked.total - already}
            }
        )
    if kind == PaymentKind.REFUND and -amount > already:
        raise ValidationError(
            {"amount": _("At most %(paid)s was paid on this order.") % {"paid": already}}
        )
    payment = Payment.objects.create(
        order=locked,
        kind=kind,
        amount=amount,
        method=method,
        paid_on=paid_on,
        paid_at=timezone.make_aware(dt.datetime.combine(paid_on, dt.time.min)),
        reference=reference,
        agent_id=locked.agent_id,
        recorded_by=by,
    )
    total_paid = already + amount
    _allocate(locked, total_paid)
    _keep_paid_flag(locked, total_paid)
    OrderEvent.objects.create(
        order=locked,
        kind=OrderEvent.Kind.PAID,
        reason=f"{PaymentKind(kind).label} {amount} · {PaymentMethod(method).label}"
        + (f" · {reference}" if reference else ""),
        by=by,
    )
    return payment


def _clean_payment_fields(amount, method, paid_on, reference) -> tuple[Decimal, str, dt.date, str]:
    amount = _money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose a payment method.")})
    if not isinstance(paid_on, dt.date) or isinstance(paid_on, dt.datetime):
        raise ValidationError({"paid_on": _("Enter the day the money came in.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The day cannot be in the future.")})
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise ValidationError({"reference": _("At most 100 characters.")})
    return amount, method, paid_on, reference


def payment_record(
    *,
    order: Order,
    by: User,
    amount,
    method: str,
    paid_on: dt.date,
    reference: str = "",
) -> Payment:
    """回款: money received for a confirmed order, at most what is still owed."""
    amount, method, paid_on, reference = _clean_payment_fields(amount, method, paid_on, reference)
    with transaction.atomic():
        locked = order_lock_for_change(order=order, by=by)
        if locked.status not in SOLD_STATUSES:
            raise ValidationError(
                {"order": _("Payments are recorded on confirmed orders that are not cancelled.")}
            )
        payment = payment_apply(
            locked=locked,
            by=by,
            amount=amount,
            method=method,
            paid_on=paid_on,
            reference=reference,
        )
    copy_back(locked=locked, order=order)
    return payment


def payment_refund(
    *,
    order: Order,
    by: User,
    amount,
    method: str,
    paid_on: dt.date,
    reference: str = "",
) -> Payment:
    """Money paid back to the customer: a negative row, at most what was paid."""
    amount, method, paid_on, reference = _clean_payment_fields(amount, method, paid_on, reference)
    with transaction.atomic():
        locked = order_lock_for_change(order=order, by=by)
        payment = payment_apply(
            locked=locked,
            by=by,
            amount=-amount,
            method=method,
            paid_on=paid_on,
            reference=reference,
            kind=PaymentKind.REFUND,
        )
    copy_back(locked=locked, order=order)
    return payment


def _default_due(order: Order, today: dt.date) -> dt.date:
    if order.payment_terms == PaymentTerms.ON_DELIVERY and order.expected_delivery_on:
        return max(order.expected_delivery_on, today)
    if order.payment_terms in (PaymentTerms.NET_30, PaymentTerms.INSTALLMENTS):
        return today + dt.timedelta(days=NET_DAYS)
    return today


def installment_default_plan(*, locked: Order, day: dt.date) -> None:
    """A confirmed order without a plan owes its total in one installment, due by its
    terms (prepaid: at once; cash on delivery: the expected delivery day; invoice and
    installments: 30 days). Called by the confirmation, under its row lock."""
    if locked.total <= 0 or locked.installments.exists():
        return
    Installment.for_order(
        locked, number=1, due_on=_default_due(locked, day), amount=locked.total
    ).save()
    _allocate(locked, paid_total(locked))


def _clean_plan(order: Order, rows) -> list[tuple[dt.date, Decimal]]:
    if not rows:
        raise ValidationError({"installments": _("Enter at least one installment.")})
    if len(rows) > MAX_INSTALLMENTS:
        raise ValidationError(
            {"installments": _("At most %(count)s installments.") % {"count": MAX_INSTALLMENTS}}
        )
    plan = []
    for due_on, amount in rows:
        if not isinstance(due_on, dt.date) or isinstance(due_on, dt.datetime):
            raise ValidationError({"installments": _("Every installment needs a due date.")})
        amount = _money(amount, "installments")
        if amount <= 0:
            raise ValidationError({"installments": _("Every installment must be more than zero.")})
        plan.append((due_on, amount))
    plan.sort(key=lambda row: row[0])
    total = sum((amount for _due, amount in plan), ZERO)
    if total != order.total:
        raise ValidationError(
            {
                "installments": _(
                    "The installments add up to %(sum)s; they must add up to the order's "
                    "total, %(total)s."
                )
                % {"sum": total, "total": order.total}
            }
        )
    return plan


def installment_plan_set(*, order: Order, by: User, rows) -> list[Installment]:
    """Replace the order's plan with `rows` [(due_on, amount), …] adding up to its total;
    what was paid is allocated again, oldest due first."""
    with transaction.atomic():
        locked = order_lock_for_change(order=order, by=by)
        if locked.status not in SOLD_STATUSES:
            raise ValidationError(
                {"order": _("A plan is set on a confirmed order that is not cancelled.")}
            )
        plan = _clean_plan(locked, rows)
        locked.installments.all().delete()
        Installment.objects.bulk_create(
            Installment.for_order(locked, number=number, due_on=due_on, amount=amount)
            for number, (due_on, amount) in enumerate(plan, start=1)
        )
        _allocate(locked, paid_total(locked))
        OrderEvent.objects.create(
            order=locked,
            kind=OrderEvent.Kind.EDITED,
            reason=_("Payment plan: %(count)s installments") % {"count": len(plan)},
            by=by,
        )
    copy_back(locked=locked, order=order)
    return list(locked.installments.order_by("due_on", "number"))

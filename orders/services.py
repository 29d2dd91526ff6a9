"""Order actions: take an order from a lead, edit it while draft, approve its discount, and
move it along the state machine (`orders.models.TRANSITIONS`), one service per move.

Every move locks the order row (`select_for_update`), checks the move against the table
on the locked row, writes the new status and an `OrderEvent` (who, when, why), keeps the
sales ledger (`SalesEntry`: + on confirmation, - on a cancellation after it or a refund)
and sends `orders.signals.order_moved`, all in one transaction. Two people moving the same
order at once are serialized by the lock: the second sees the first's move and is refused
if its own is no longer legal. Refusals are `ValidationError`s naming the field.

Who may act on an order: its agent (if their role sells), or a manager, head or admin
whose scope holds it (`can_work_order`). Inspectors read and change nothing. A discount
beyond the seller's role limit (`DiscountLimit`) waits for the approval of someone who
may approve discounts on the order and whose own limit covers it, and the order cannot
be confirmed before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Member, Notification, Role
from leads import access as leads_access
from leads.models import OPEN_STATUSES, Lead, LeadStatus
from leads.services import followups
from orders import access as orders_access

from .access import can_approve_order, can_work_order, discount_limit_for
from .models import (
    TRANSITIONS,
    ZERO,
    Approval,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentTerms,
    Product,
    SalesEntry,
)
from .signals import order_moved

CENT = Decimal("0.01")
MAX_LINES = 50
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("9999999999.99")  # what MONEY (12 digits, 2 decimals) holds
#: Fields of the order itself that may be edited while it is a draft.
EDITABLE_FIELDS = ("payment_terms", "delivery_address", "expected_delivery_on", "notes")


# --- lines and totals ---------------------------------------------------------------------


def _money(value, *, field: str, position: int) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValidationError(
            {
                "lines": _("Line %(n)d: %(field)s is not an amount.")
                % {"n": position, "field": field}
            }
        ) from error
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            {
                "lines": _("Line %(n)d: %(field)s must be between 0 and %(max)s.")
                % {"n": position, "field": field, "max": MAX_AMOUNT}
            }
        )
    return amount


def lines_clean(lines: Iterable[Mapping]) -> list[OrderLine]:
    """Unsaved `OrderLine`s from `{"product", "quantity", "unit_price", "discount"}` rows.

    `product` is a Product or its id (active products only); the unit price defaults to
    the list price; the discount is an amount off the line, at most the line's amount.
    """
    rows = list(lines)
    if not rows:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": _("An order has at most %(n)d lines.") % {"n": MAX_LINES}})
    product_ids = [
        row["product"].pk if isinstance(row.get("product"), Product) else row.get("product")
        for row in rows
    ]
    products = Product.objects.in_bulk(
        [pk for pk in product_ids if isinstance(pk, int) and not isinstance(pk, bool)]
    )
    cleaned = []
    for position, (row, product_id) in enumerate(zip(rows, product_ids, strict=True), start=1):
        product = products.get(product_id) if isinstance(product_id, int) else None
        if product is None or not product.is_active:
            raise ValidationError(
                {"lines": _("Line %(n)d: choose a product from the catalog.") % {"n": position}}
            )
        quantity = row.get("quantity")
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the quantity must be a whole number from 1 to %(max)d.")
                    % {"n": position, "max": MAX_QUANTITY}
                }
            )
        price = row.get("unit_price")
        unit_price = (
            product.list_price
            if price in (None, "")
            else _money(price, field=_("unit price"), position=position)
        )
        discount = _money(row.get("discount") or ZERO, field=_("discount"), position=position)
        line = OrderLine(
            product=product, quantity=quantity, unit_price=unit_price, discount=discount
        )
        if line.list_amount > MAX_AMOUNT:
            raise ValidationError(
                {"lines": _("Line %(n)d: the amount is too large.") % {"n": position}}
            )
        if discount > line.list_amount:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the discount is more than the line's amount.")
                    % {"n": position}
                }
            )
        cleaned.append(line)
    if sum((line.list_amount for line in cleaned), ZERO) > MAX_AMOUNT:
        raise ValidationError({"lines": _("The order's total is too large.")})
    return cleaned


def _fields_clean(fields: Mapping, *, today: dt.date) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    cleaned = dict(fields)
    if "payment_terms" in cleaned and cleaned["payment_terms"] not in PaymentTerms.values:
        raise ValidationError({"payment_terms": _("Unknown payment terms.")})
    due = cleaned.get("expected_delivery_on")
    if due is not None and due < today:
        raise ValidationError(
            {"expected_delivery_on": _("The expected delivery date cannot be in the past.")}
        )
    return cleaned


def _approval_update(order: Order, *, by, changed: bool) -> None:
    """After the lines changed: within the seller's limit no approval is needed; beyond
    it the order waits for one (again, if its amounts changed since an approval)."""
    limit = discount_limit_for(
        Member.objects.filter(user_id=order.agent_id).values_list("role", flat=True).first()
        or (Role.ADMIN if order.agent.is_superuser else None)
    )
    if order.discount_total == ZERO or order.discount_percent <= limit:
        order.approval = Approval.NOT_NEEDED
        order.approved_by, order.approved_at = None, None
        return
    if order.approval == Approval.APPROVED and not changed:
        return
    if order.approval != Approval.PENDING or changed:
        order.approval = Approval.PENDING
        order.approved_by, order.approved_at = None, None
        event = OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.APPROVAL_REQUESTED,
            reason=_("Discount %(percent)s%% is above the limit of %(limit)s%%.")
            % {"percent": order.discount_percent, "limit": limit},
            by=by,
        )
        _notify_approvers(order, key=f"order-approval:{order.pk}:{event.pk}")


def _notify_approvers(order: Order, *, key: str) -> None:
    """Tell the team's manager that a discount waits for them (once per request)."""
    manager_id = order.team.manager_id if order.team_id and order.team else None
    if not manager_id or manager_id == order.agent_id:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=manager_id,
                kind="order_approval",
                key=key,
                text=(
                    _("Order %(number)s waits for your discount approval.")
                    % {"number": order.number}
                )[:300],
                url=reverse("orders:detail", args=[order.pk]),
            )
        ],
        ignore_conflicts=True,
    )


# --- taking and editing an order ----------------------------------------------------------


def _number_for(order: Order) -> str:
    return f"SO{timezone.localtime(order.created_at):%Y%m%d}{order.pk:06d}"


@transaction.atomic
def order_create_from_lead(
    *,
    lead: Lead,
    by,
    lines: Iterable[Mapping],
    payment_terms: str = PaymentTerms.PREPAID,
    delivery_address: str = "",
    expected_delivery_on: dt.date | None = None,
    notes: str = "",
) -> Order:
    """Take an order from a lead: the customer is the lead, the agent its owner (or `by`
    when the lead has none), the team the agent's current team; the lead becomes won.

    Refused: someone who may not work the lead or does not sell, a lost or invalid lead,
    no lines or a bad line, an expected delivery in the past.
    """
    now = timezone.now()
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if not orders_access.can_take_orders(by) and not orders_access.can_manage_orders(by):
        raise ValidationError({"lead": _("Your role does not take orders.")})
    if not leads_access.can_work_lead(by, locked):
        raise ValidationError(
            {"lead": _("Only the lead's owner or their manager may take an order.")}
        )
    if locked.status not in (*OPEN_STATUSES, LeadStatus.WON):
        raise ValidationError(
            {
                "lead": _("This lead is closed (%(status)s).")
                % {"status": locked.get_status_display()}
            }
        )
    fields = _fields_clean(
        {
            "payment_terms": payment_terms,
            "delivery_address": delivery_address or "",
            "expected_delivery_on": expected_delivery_on,
            "notes": notes or "",
        },
        today=timezone.localdate(now),
    )
    cleaned = lines_clean(lines)
    agent = locked.owner if locked.owner_id else by
    team_id = Member.objects.filter(user_id=agent.pk).values_list("team_id", flat=True).first()
    order = Order(
        number=f"new-{uuid.uuid4().hex[:24]}",
        lead=locked,
        agent=agent,
        team_id=team_id,
        created_by=by,
        created_at=now,
        **fields,
    )
    order.recompute_totals(cleaned)
    order.save()
    order.number = _number_for(order)
    for line in cleaned:
        line.order = order
    OrderLine.objects.bulk_create(cleaned)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.CREATED,
        to_status=OrderStatus.DRAFT,
        reason=_("Taken from lead #%(lead)d") % {"lead": locked.pk},
        by=by,
        at=now,
    )
    _approval_update(order, by=by, changed=True)
    order.save(update_fields=["number", "approval", "approved_by", "approved_at", "updated_at"])
    followups.lead_mark_won(
        lead=locked, by=by, reason=_("Order %(number)s") % {"number": order.number}
    )
    lead.refresh_from_db(fields=["status", "closed_reason", "next_followup_at"])
    return order


@transaction.atomic
def order_edit(*, order: Order, by, lines: Iterable[Mapping] | None = None, **fields) -> Order:
    """Change a draft: replace its lines and/or its terms, address, delivery date, notes.

    Totals are recomputed and the discount approval re-evaluated (a changed amount beyond
    the limit asks for approval again).
    """
    locked = _locked(order, by)
    if locked.status != OrderStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft order can be edited.")})
    cleaned_fields = _fields_clean(fields, today=timezone.localdate())
    for name, value in cleaned_fields.items():
        setattr(locked, name, "" if value is None and name != "expected_delivery_on" else value)
    changed = False
    if lines is not None:
        cleaned = lines_clean(lines)
        before = (locked.list_total, locked.discount_total)
        locked.lines.all().delete()
        for line in cleaned:
            line.order = locked
        OrderLine.objects.bulk_create(cleaned)
        locked.recompute_totals(cleaned)
        changed = (locked.list_total, locked.discount_total) != before
        if not changed and locked.approval == Approval.REJECTED:
            changed = True  # the seller asks again
    OrderEvent.objects.create(
        order=locked,
        kind=OrderEvent.Kind.EDITED,
        reason=", ".join([*cleaned_fields, *(["lines"] if lines is not None else [])]),
        by=by,
    )
    if lines is not None:
        _approval_update(locked, by=by, changed=changed)
    locked.save()
    return _copy_back(locked, order)


# --- approvals ----------------------------------------------------------------------------


@transaction.atomic
def order_approve(*, order: Order, by, reason: str = "") -> Order:
    """Approve the discount of a draft that waits for it."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _check_may_approve(locked, by)
    locked.approval = Approval.APPROVED
    locked.approved_by, locked.approved_at = by, timezone.now()
    locked.save(update_fields=["approval", "approved_by", "approved_at", "updated_at"])
    OrderEvent.objects.create(order=locked, kind=OrderEvent.Kind.APPROVED, reason=reason, by=by)
    _notify_agent(
        locked,
        key=f"order-approved:{locked.pk}:{locked.approved_at:%Y%m%d%H%M%S}",
        text=_("The discount of order %(number)s was approved."),
    )
    return _copy_back(locked, order)


@transaction.atomic
def order_reject(*, order: Order, by, reason: str) -> Order:
    """Refuse the discount: the seller lowers it (which asks again) or cancels."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the discount is refused.")})
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _check_may_approve(locked, by)
    locked.approval = Approval.REJECTED
    locked.approved_by, locked.approved_at = by, timezone.now()
    locked.save(update_fields=["approval", "approved_by", "approved_at", "updated_at"])
    OrderEvent.objects.create(
        order=locked, kind=OrderEvent.Kind.REJECTED, reason=reason.strip(), by=by
    )
    _notify_agent(
        locked,
        key=f"order-rejected:{locked.pk}:{locked.approved_at:%Y%m%d%H%M%S}",
        text=_("The discount of order %(number)s was refused."),
    )
    return _copy_back(locked, order)


def _check_may_approve(order: Order, by) -> None:
    if order.approval != Approval.PENDING or order.status != OrderStatus.DRAFT:
        raise ValidationError({"approval": _("This order does not wait for an approval.")})
    if not can_approve_order(by, order):
        raise ValidationError(
            {
                "approval": _(
                    "Only a manager of the seller's team, or a head or administrator over it, "
                    "whose own limit covers a %(percent)s%% discount may approve it."
                )
                % {"percent": order.discount_percent}
            }
        )


def _notify_agent(order: Order, *, key: str, text: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=order.agent_id,
                kind="order_approval",
                key=key,
                text=(text % {"number": order.number})[:300],
                url=reverse("orders:detail", args=[order.pk]),
            )
        ],
        ignore_conflicts=True,
    )


# --- moves --------------------------------------------------------------------------------


def _locked(order: Order, by) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not can_work_order(by, locked):
        raise ValidationError({"order": _("You may not change this order.")})
    return locked


def _copy_back(locked: Order, order: Order) -> Order:
    """The caller's instance shows the result too."""
    if order is not locked:
        for field in Order._meta.concrete_fields:
            setattr(order, field.attname, getattr(locked, field.attname))
    return order


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
    *, order: Order, by, to: str, reason: str = "", reason_required: bool = False, check=None
) -> Order:
    """Lock, check the move against TRANSITIONS, apply it, record it, tell listeners."""
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": _("Say why.")})
    with transaction.atomic():
        locked = _locked(order, by)
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
        elif to in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) and locked.confirmed_at:
            kind = (
                SalesEntry.Kind.CANCELLED
                if to == OrderStatus.CANCELLED
                else SalesEntry.Kind.REFUNDED
            )
            _ledger(locked, kind=kind, amount=-locked.total, at=now)
        order_moved.send(sender=Order, order=locked, from_status=from_status, to_status=to, by=by)
    return _copy_back(locked, order)


def order_confirm(*, order: Order, by, reason: str = "") -> Order:
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


def order_start_processing(*, order: Order, by, reason: str = "", paid: bool = False) -> Order:
    """订单处理: the order was checked and approved inside the company; a prepaid order
    starts only once the payment is in (`paid` records it with the move)."""

    def check(locked: Order, now) -> list[str]:
        fields = []
        if paid and not locked.is_paid:
            locked.is_paid = True
            fields.append("is_paid")
            OrderEvent.objects.create(order=locked, kind=OrderEvent.Kind.PAID, by=by, at=now)
        if locked.payment_terms == PaymentTerms.PREPAID and not locked.is_paid:
            raise ValidationError(
                {"paid": _("A prepaid order is processed once the payment is in.")}
            )
        return fields

    return _move(order=order, by=by, to=OrderStatus.PROCESSING, reason=reason, check=check)


def order_ship(*, order: Order, by, tracking_number: str, reason: str = "") -> Order:
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


def order_deliver(*, order: Order, by, reason: str = "", paid: bool = False) -> Order:
    """订单交付: the customer has the goods (cash on delivery: `paid` records the payment)."""

    def check(locked: Order, now) -> list[str]:
        locked.delivered_at = now
        fields = ["delivered_at"]
        if paid and not locked.is_paid:
            locked.is_paid = True
            fields.append("is_paid")
            OrderEvent.objects.create(order=locked, kind=OrderEvent.Kind.PAID, by=by, at=now)
        return fields

    return _move(order=order, by=by, to=OrderStatus.DELIVERED, reason=reason, check=check)


def order_complete(*, order: Order, by, reason: str = "") -> Order:
    def check(locked: Order, now) -> list[str]:
        locked.closed_at = now
        return ["closed_at"]

    return _move(order=order, by=by, to=OrderStatus.COMPLETED, reason=reason, check=check)


def order_cancel(*, order: Order, by, reason: str) -> Order:
    """Cancel before shipping (reason required); a confirmed amount is taken back today."""

    def check(locked: Order, now) -> list[str]:
        locked.closed_at = now
        return ["closed_at"]

    return _move(
        order=order,
        by=by,
        to=OrderStatus.CANCELLED,
        reason=reason,
        reason_required=True,
        check=check,
    )


def order_refund(*, order: Order, by, reason: str) -> Order:
    """Refund or return after delivery (reason required); the amount is taken back today."""

    def check(locked: Order, now) -> list[str]:
        locked.closed_at = now
        return ["closed_at"]

    return _move(
        order=order,
        by=by,
        to=OrderStatus.REFUNDED,
        reason=reason,
        reason_required=True,
        check=check,
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


# --- the catalog --------------------------------------------------------------------------


@transaction.atomic
def product_save(*, product: Product, by=None) -> Product:
    """Create or change a product (admins); the SKU stays unique."""
    if by is not None and not orders_access.can_manage_catalog(by):
        raise ValidationError({"product": _("Only administrators keep the catalog.")})
    product.sku = (product.sku or "").strip()
    if not product.sku:
        raise ValidationError({"sku": _("Enter a SKU.")})
    clash = Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists()
    if clash:
        raise ValidationError({"sku": _("Another product has this SKU.")})
    if product.list_price is None or product.list_price < 0:
        raise ValidationError({"list_price": _("The list price cannot be negative.")})
    product.save()
    return product

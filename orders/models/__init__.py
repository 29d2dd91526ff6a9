"""Orders: the product catalog, orders with their lines, the order state machine and the
sales ledger the KPI scorecards read.

The state machine is a table (`TRANSITIONS`): every move is one service in
`orders.services`, checked against the table under a row lock, and written to `OrderEvent`
(append-only) with who, when and why. Totals are computed in one place
(`Order.recompute_totals` via `OrderLine.amount`), in `Decimal`.

Sales figures (`SalesEntry`) are append-only too: confirming an order writes +amount for
its agent and team on the confirmation day; a cancellation after confirmation or a refund
writes the opposite amount on its own day. A day's sales for an agent or a team is then a
plain SUM over one indexed table, and history is never rewritten.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class Product(models.Model):
    """A product or service the center sells; admins keep the catalog."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    category = models.CharField(_("category"), max_length=100, blank=True)
    list_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(ZERO)])
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class DiscountLimit(models.Model):
    """The largest discount (percent off the order's list total) a role may give alone.

    Beyond it the order waits for a manager's approval before it can be confirmed. A role
    without a row may give no discount alone.
    """

    role = models.CharField(_("role"), max_length=20, unique=True)
    max_percent = models.DecimalField(
        _("largest discount without approval (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("discount limit")
        verbose_name_plural = _("discount limits")
        ordering = ["role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_percent__gte=0) & Q(max_percent__lte=100),
                name="discount_limit_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.max_percent}%"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed with the customer")
    PROCESSING = "processing", _("In processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded / returned")


class PaymentTerms(models.TextChoices):
    PREPAID = "prepaid", _("Paid in advance")
    ON_DELIVERY = "on_delivery", _("Cash on delivery")
    NET_30 = "net_30", _("Invoice, 30 days")
    INSTALLMENTS = "installments", _("Installments")


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The only legal moves: from-status -> the statuses it may move to. `orders.services`
# refuses anything else. Cancel is possible from any state before shipping; a refund or
# return only after delivery.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.DRAFT: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    OrderStatus.PROCESSING: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DELIVERED,),
    OrderStatus.DELIVERED: (OrderStatus.COMPLETED, OrderStatus.REFUNDED),
    OrderStatus.COMPLETED: (OrderStatus.REFUNDED,),
    OrderStatus.CANCELLED: (),
    OrderStatus.REFUNDED: (),
}

# Orders whose amount counts as sold (confirmed and not reversed).
SOLD_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)
# Orders still on their way to the customer: an expected delivery date in the past makes
# them overdue.
UNDELIVERED_STATUSES = (
    OrderStatus.DRAFT,
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
)


class Order(models.Model):
    """An order taken from a lead: the lead is the customer, its agent sells."""

    number = models.CharField(_("order number"), max_length=30, unique=True)
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # The agent's team when the order was created: sales count for the team the agent was
    # in at the time, not the one they are in now.
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    # Totals, recomputed by `recompute_totals()` whenever lines change; never typed in.
    list_total = models.DecimalField(_("list total"), **MONEY, default=ZERO)
    discount_total = models.DecimalField(_("discount"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    approval = models.CharField(
        _("discount approval"),
        max_length=20,
        choices=Approval.choices,
        default=Approval.NOT_NEEDED,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    payment_terms = models.CharField(
        _("payment terms"),
        max_length=20,
        choices=PaymentTerms.choices,
        default=PaymentTerms.PREPAID,
    )
    is_paid = models.BooleanField(_("paid"), default=False)
    delivery_address = models.TextField(_("delivery address"), blank=True)
    expected_delivery_on = models.DateField(_("expected delivery"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "My orders" and "the team's orders", newest first.
            models.Index(fields=["agent", "-created_at", "-id"], name="order_agent_recent"),
            models.Index(fields=["team", "-created_at", "-id"], name="order_team_recent"),
            # Everything newest first (admins, inspectors).
            models.Index(fields=["-created_at", "-id"], name="order_recent"),
            models.Index(fields=["status", "expected_delivery_on"], name="order_status_due"),
            models.Index(
                fields=["team", "approval"],
                condition=Q(approval="pending"),
                name="order_pending_approval",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_total__gte=0) & Q(discount_total__gte=0) & Q(total__gte=0),
                name="order_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("list_total") - models.F("discount_total")),
                name="order_total_is_list_minus_discount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (
            OrderStatus.CANCELLED,
            OrderStatus.REFUNDED,
            OrderStatus.COMPLETED,
        )

    def allowed_moves(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]

    def is_delivery_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.expected_delivery_on
            and self.status in UNDELIVERED_STATUSES
            and self.expected_delivery_on < today
        )

    def recompute_totals(self, lines=None) -> None:
        """The one place totals are computed: list total, discount and total of the lines.

        `lines` are the order's lines (saved or about to be); by default they are read.
        Sets the fields; the caller saves them.
        """
        lines = list(self.lines.all()) if lines is None else list(lines)
        self.list_total = sum((line.list_amount for line in lines), ZERO)
        self.discount_total = sum((line.discount for line in lines), ZERO)
        self.total = self.list_total - self.discount_total

    @property
    def discount_percent(self) -> Decimal:
        if not self.list_total:
            return ZERO
        return (self.discount_total * 100 / self.list_total).quantize(Decimal("0.01"))


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # The list price when the line was written; the catalog may change later.
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(ZERO)])
    discount = models.DecimalField(
        _("discount (amount)"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0),
                name="order_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"

    @property
    def list_amount(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def amount(self) -> Decimal:
        return self.list_amount - self.discount


class OrderEvent(models.Model):
    """Append-only history of an order: each move, approval and edit, with who and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        MOVED = "moved", _("Status changed")
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        APPROVED = "approved", _("Discount approved")
        REJECTED = "rejected", _("Discount rejected")
        PAID = "paid", _("Payment recorded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    reason = models.TextField(_("why"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["order", "-at"], name="order_event_order_recent")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.to_status}"


class SalesEntry(models.Model):
    """One signed amount in the sales ledger, counted for an agent and a team on a day.

    +total when an order is confirmed; -total when a confirmed order is cancelled or
    refunded. (order, kind) is unique, so a retried move cannot count twice.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="sales_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    amount = models.DecimalField(_("amount"), **MONEY)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sales entry")
        verbose_name_plural = _("sales entries")
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["agent", "day"], name="sales_agent_day"),
            # Sales and net orders per agent over a span (performance.metrics reads `at`).
            models.Index(
                fields=["agent", "at"], include=("amount", "kind"), name="sales_agent_at_cover"
            ),
            models.Index(fields=["team", "day"], name="sales_team_day"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="sales_entry_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agent_id} {self.amount}"


# Money received (回款) and installment plans live beside the orders they belong to.
from .money import Installment, Payment, PaymentKind, PaymentMethod  # noqa: E402

__all__ = [
    "MONEY",
    "SOLD_STATUSES",
    "TRANSITIONS",
    "UNDELIVERED_STATUSES",
    "ZERO",
    "Approval",
    "DiscountLimit",
    "Installment",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentKind",
    "PaymentMethod",
    "PaymentTerms",
    "Product",
    "SalesEntry",
]

"""Money received against orders (回款) and installment plans (分期).

A `Payment` is one signed amount: a payment received is positive, a refund paid back to
the customer is a negative row of kind `refund` (never an edit or a delete of the first:
the ledger is append-only, like `SalesEntry`, so cash collected over any span is a plain
SUM by `paid_on`). A mistaken entry is corrected by a refund row that names it in its
reference.

An `Installment` is one due amount of an order's schedule; the amounts of a plan add up
to the order's total (checked by `orders.services.payments.installment_plan_set`). An
order confirmed without a plan gets a one-row plan due by its payment terms. Payments are
allocated to the installments oldest due first (`paid_amount`, kept by the payment
services under the order's row lock); refunds give back from the newest due first. What
is still owed on an installment is `amount - paid_amount`, which the receivables aging
reads from a partial index of the unpaid rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import MONEY, ZERO, Order

#: Still owed: not paid in full, on an order that was not cancelled or refunded.
OWED = Q(paid_amount__lt=F("amount"), order_reversed=False)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    OTHER = "other", _("Other")


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment received")
    REFUND = "refund", _("Refund paid back")


class Payment(models.Model):
    """Money received for an order (positive) or paid back (a negative refund row)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    paid_on = models.DateField(_("paid on"))
    # The start of `paid_on` in the center's time zone: the time the KPIs read (a period's
    # bounds and the team the agent was in are times, not days).
    paid_at = models.DateTimeField(_("counted at"), editable=False)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    # The order's agent when the money came in: cash collected counts for them (and for
    # the team they were in on `paid_on`, see performance.metrics).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        indexes = [
            models.Index(fields=["order", "paid_on"], name="payment_order"),
            # Cash collected per agent over a span (performance.metrics).
            models.Index(fields=["agent", "paid_at"], include=("amount",), name="payment_agent_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="payment") & Q(amount__gt=0))
                | (Q(kind="refund") & Q(amount__lt=0)),
                name="payment_sign_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.paid_on} {self.amount}"


class Installment(models.Model):
    """One due amount of an order's payment plan."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    # What the payments cover of it, oldest due first (kept by orders.services.payments).
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=ZERO)
    # Copies of the order's seller, team and fate, so that receivables (scope, aging, reminders)
    # read one narrow partial index instead of every open installment through its order: an
    # order's agent and team never change after it is taken, and a cancelled or refunded order
    # never comes back (TRANSITIONS), so `for_order()` and the move that reverses the order
    # are the only writers.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    team = models.ForeignKey(
        "crm.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    order_reversed = models.BooleanField(default=False, editable=False)
    # Overdue reminders, each sent once: to the agent, then (N days late) to the manager.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["order", "due_on", "number"]
        indexes = [
            # Receivables and reminders read only what is still owed.
            models.Index(
                fields=["order", "due_on"],
                include=("amount", "paid_amount"),
                condition=Q(paid_amount__lt=F("amount")),
                name="installment_open",
            ),
            models.Index(
                fields=["due_on"],
                condition=Q(paid_amount__lt=F("amount")),
                name="installment_open_due",
            ),
            # What is owed per team and per agent (scope `agent = me OR team IN (…)`): the
            # aging reads only these, index-only, whatever the number of orders.
            models.Index(
                fields=["team", "agent", "due_on"],
                include=("amount", "paid_amount"),
                condition=OWED,
                name="installment_owed_team",
            ),
            models.Index(
                fields=["agent", "due_on"],
                include=("team", "amount", "paid_amount"),
                condition=OWED,
                name="installment_owed_agent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="installment_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="installment_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.number} {self.due_on} {self.amount}"

    @classmethod
    def for_order(cls, order, **fields) -> Installment:
        """An installment of `order`, carrying its agent and team (the only constructor)."""
        return cls(order=order, agent_id=order.agent_id, team_id=order.team_id, **fields)

    @property
    def outstanding(self):
        return self.amount - self.paid_amount

"""Generator step "money": payments, installment plans and campaign costs on the orders of
the orders step, then the channel report's daily table.

Every sold order (confirmed and later, not cancelled) gets a plan: four in five owe their
total in one installment due the day after confirmation; one in five pays in three monthly
installments. Installments due by today are paid in order (oldest first, as the service
allocates) with a chance of 85 % each, stopping at the first unpaid one; a refunded order
was paid and has its refund. What stays unpaid is what the receivables aging reads
(≈ 40,000 open installments over 12 months at 300,000 orders). Each campaign costs
30,000–80,000 a month over the last 13 months. The daily table (`ChannelDay`) is built by
the service the beat runs, over the whole year.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from leads.models import Campaign, CampaignCost
from orders.models import Installment, Order, OrderStatus, Payment
from performance.models import ChannelDay
from performance.services.channels import channel_days_refresh

from .bulk import copy_rows, move_sequences
from .config import Size

MODELS = (Payment, Installment, CampaignCost, ChannelDay)
SOLD = (
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.REFUNDED,
)
METHODS = ("bank_transfer", "wechat", "alipay", "card", "cash")
PAYMENT_FIELDS = (
    "order", "kind", "amount", "method", "paid_on", "paid_at", "reference", "agent",
    "recorded_by", "created_at",
)  # fmt: skip
INSTALLMENT_FIELDS = (
    "order", "number", "due_on", "amount", "paid_amount", "agent", "team", "order_reversed",
)  # fmt: skip


def _split(total: Decimal, parts: int) -> list[Decimal]:
    share = (total / parts).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def generate_money(size: Size) -> None:
    rng = random.Random(size.seed + 11)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    orders = (
        Order.objects.filter(status__in=SOLD, confirmed_at__isnull=False, total__gt=0)
        .order_by("id")
        .values_list("id", "agent_id", "team_id", "status", "total", "confirmed_at")
    )
    installments, payments = [], []

    def pay(order_id, agent_id, amount, day, kind="payment"):
        paid_at = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        method = METHODS[int(rng.random() * len(METHODS))]
        payments.append(
            (order_id, kind, amount, method, day, paid_at, "", agent_id, agent_id, paid_at)
        )

    for order_id, agent_id, team_id, status, total, confirmed_at in orders.iterator(
        chunk_size=5000
    ):
        confirmed = timezone.localtime(confirmed_at).date()
        if rng.random() < 0.2:
            dues = [confirmed + dt.timedelta(days=30 * n) for n in range(3)]
            amounts = _split(total, 3)
        else:
            dues, amounts = [confirmed + dt.timedelta(days=1)], [total]
        paying = True
        for number, (due, amount) in enumerate(zip(dues, amounts, strict=True), start=1):
            settled = status == OrderStatus.REFUNDED or (
                paying and due <= today and rng.random() < 0.85
            )
            paying = paying and settled
            installments.append(
                (
                    order_id, number, due, amount, amount if settled else 0, agent_id, team_id,
                    status == OrderStatus.REFUNDED,
                )
            )  # fmt: skip
            if settled:
                pay(order_id, agent_id, amount, min(due, today))
        if status == OrderStatus.REFUNDED:
            pay(order_id, agent_id, -total, min(confirmed + dt.timedelta(days=20), today), "refund")
    copy_rows(Installment, INSTALLMENT_FIELDS, installments)
    copy_rows(Payment, PAYMENT_FIELDS, payments)
    move_sequences((Installment, Payment))
    first = today.replace(day=1)
    costs = []
    for campaign in Campaign.objects.order_by("id"):
        month = first
        for _ in range(13):
            amount = Decimal(30_000 + int(rng.random() * 50_000))
            costs.append(CampaignCost(campaign=campaign, month=month, amount=amount))
            month = (month - dt.timedelta(days=1)).replace(day=1)
    CampaignCost.objects.bulk_create(costs)
    channel_days_refresh(start=today - dt.timedelta(days=400), end=today + dt.timedelta(days=1))

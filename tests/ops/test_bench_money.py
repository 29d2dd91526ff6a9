"""The bench's "money" step on a handful of orders: plans add up to the totals, payments
follow the allocation (oldest due first), and the channel table is built."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum

from bench.config import Size
from bench.money import generate_money
from leads.models import Campaign, CampaignCost, Channel
from orders.models import Installment, Order, Payment
from orders.services import order_moves
from performance.models import ChannelDay
from tests.orders.factories import take_order
from tests.support import unavailable

pytestmark = pytest.mark.django_db


def test_the_money_step_writes_consistent_plans_and_payments(org):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (the bench writes with COPY)")
    Campaign.objects.create(name="抖音", channel=Channel.SOCIAL)
    for _ in range(12):
        order = order_moves.order_confirm(order=take_order(org.agent_a1), by=org.agent_a1.user)
        order.installments.all().delete()  # the step writes its own plans
    generate_money(Size(seed=7))
    for order in Order.objects.all():
        plan = list(order.installments.order_by("due_on", "number"))
        assert sum(i.amount for i in plan) == order.total
        paid = order.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        assert sum(i.paid_amount for i in plan) == paid
        settled = [i.paid_amount == i.amount for i in plan]
        assert settled == sorted(settled, reverse=True)  # oldest due paid first
    assert not Installment.objects.filter(paid_amount__gt=F("amount")).exists()
    assert Payment.objects.exists() and CampaignCost.objects.count() == 13
    assert ChannelDay.objects.exists()

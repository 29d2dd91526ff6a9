"""Tiers after the sale: RFM figures from sold orders and the first tier whose thresholds
hold, recomputed set-based (PostgreSQL) or through the ORM reference; idempotent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers import db
from customers.models import Customer
from customers.services.tiers import tiers_recompute
from orders.models import OrderStatus
from tests.aftersales.factories import OrderFactory
from tests.customers.factories import TierFactory, won_customer
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _order(customer, *, days_ago: int, total: str, status=OrderStatus.COMPLETED, lead=None):
    lead = lead or customer.origin_lead
    at = NOW - dt.timedelta(days=days_ago)
    return OrderFactory(
        lead=lead,
        agent=lead.owner,
        status=status,
        list_total=Decimal(total),
        total=Decimal(total),
        confirmed_at=at,
        created_at=at,
    )


@pytest.fixture
def world(org):
    """Hand-computed: vip (3 orders, 12,000, last 10 days ago) → VIP; regular (2 orders,
    500, last 100 days ago) → Regular; lapsed (1 order 400 days ago) → none; cancelled
    orders and other customers' orders do not count."""
    vip_tier = TierFactory(
        name="VIP", priority=10, within_days=365, min_orders=3, min_money=Decimal("10000")
    )
    regular = TierFactory(name="Regular", priority=20, within_days=365, min_orders=2)
    TierFactory(name="Off", priority=5, min_orders=1, is_active=False)
    vip = won_customer(org.agent_a1)
    second_lead = LeadFactory(owner=org.agent_a1.user, status="won", customer=vip)
    _order(vip, days_ago=10, total="5000.00")
    _order(vip, days_ago=40, total="5000.00", lead=second_lead)
    _order(vip, days_ago=300, total="2000.00")
    _order(vip, days_ago=1, total="99999.00", status=OrderStatus.CANCELLED)
    middling = won_customer(org.agent_a2)
    _order(middling, days_ago=100, total="200.00")
    _order(middling, days_ago=200, total="300.00")
    lapsed = won_customer(org.agent_b1)
    _order(lapsed, days_ago=400, total="100.00")
    nothing = won_customer(org.agent_c1)
    return {
        "vip": (vip, vip_tier),
        "middling": (middling, regular),
        "lapsed": (lapsed, None),
        "nothing": (nothing, None),
    }


def test_tiers_against_hand_computed_figures(world):
    tiers_recompute(now=NOW)
    vip = Customer.objects.get(pk=world["vip"][0].pk)
    assert (vip.order_count, vip.money_total) == (3, Decimal("12000.00"))
    assert abs(vip.last_order_at - (NOW - dt.timedelta(days=10))) < dt.timedelta(seconds=1)
    for customer, tier in world.values():
        customer.refresh_from_db()
        assert customer.tier_id == (tier.pk if tier else None), customer.name
    nothing = world["nothing"][0]
    assert (nothing.order_count, nothing.money_total, nothing.last_order_at) == (0, 0, None)


def test_recompute_is_idempotent(world):
    assert tiers_recompute(now=NOW) == 3
    assert tiers_recompute(now=NOW) == 0


def test_changing_thresholds_moves_customers(world):
    tiers_recompute(now=NOW)
    vip, vip_tier = world["vip"]
    vip_tier.min_money = Decimal("50000")
    vip_tier.save()
    tiers_recompute(now=NOW)
    vip.refresh_from_db()
    assert vip.tier == world["middling"][1]


def test_the_sql_agrees_with_the_reference(world):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (the fast path is its SQL)")
    fields = ("pk", "tier_id", "order_count", "money_total", "last_order_at")
    db.recompute_sql(now=NOW)
    fast = list(Customer.objects.order_by("pk").values_list(*fields))
    Customer.objects.update(tier=None, order_count=0, money_total=0, last_order_at=None)
    db.recompute_reference(now=NOW)
    assert list(Customer.objects.order_by("pk").values_list(*fields)) == fast


def test_backfill_makes_a_customer_per_won_lead_once(org):
    from leads.models import Lead

    won = LeadFactory(owner=org.agent_a1.user, status="won", email="X@Y.cn")
    LeadFactory(owner=org.agent_a1.user, status="lost")
    backfill = db.backfill_sql if connection.vendor == "postgresql" else db.backfill_reference
    assert backfill(now=NOW) == 1
    assert backfill(now=NOW) == 0
    customer = Lead.objects.get(pk=won.pk).customer
    assert customer.team == org.team_a
    assert set(customer.contacts.values_list("kind", "value")) == {
        ("phone", won.phone),
        ("email", "x@y.cn"),
    }

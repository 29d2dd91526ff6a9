"""The demo orders seed quickly and idempotently; a lead's timeline shows its orders."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm import demo as crm_demo
from leads import demo as leads_demo
from leads.selectors.leads import lead_timeline
from orders import demo, selectors
from orders.models import Approval, DiscountLimit, Order, OrderStatus, Product
from tests.orders.factories import take_order

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_catalog_limits_and_orders_in_every_state(settings):
    crm_demo.seed()
    leads_demo.seed()
    summary = demo.seed()
    assert summary["orders"] >= 20
    assert Product.objects.count() == len(demo.CATALOG)
    limits = dict(DiscountLimit.objects.values_list("role", "max_percent"))
    assert {role: int(percent) for role, percent in limits.items()} == {
        "agent": 5,
        "team_manager": 15,
        "department_head": 30,
        "admin": 100,
    }
    agent01 = Order.objects.filter(agent__username="agent01")
    assert agent01.filter(status=OrderStatus.DELIVERED).exists()
    assert agent01.filter(approval=Approval.PENDING).exists()
    assert selectors.with_overdue(agent01).filter(delivery_overdue=True).exists()
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"draft", "confirmed", "processing", "shipped", "delivered", "completed"} <= statuses
    # Running it again adds nothing.
    assert demo.seed()["orders"] == 0
    assert Order.objects.count() == summary["orders"]


def test_a_leads_timeline_shows_its_orders(org, catalog, client_as, api_as):
    order = take_order(org.agent_a1)
    entries = [entry for entry in lead_timeline(order.lead) if entry.kind == "order"]
    assert [entry.object.pk for entry in entries] == [order.pk]
    body = api_as(org.agent_a1).get(f"/api/leads/{order.lead.pk}/timeline/").json()
    assert "order" in {row["kind"] for row in body}
    assert entries[0].at <= timezone.now()

"""The bench's customers step on a small center (PostgreSQL: its SQL is PostgreSQL's): a
customer per won lead, every 10th with the next lead too, one with 40 of its owner's
leads, and the tiers computed."""

import pytest
from django.db import connection

from bench.config import Size
from bench.customers import BIG_CUSTOMER_LEADS, generate_customers
from customers.models import Customer
from leads.models import Lead
from tests.customers.factories import TierFactory
from tests.leads.factories import LeadFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench is PostgreSQL's"),
]


def test_the_customers_step(org):
    TierFactory(name="任何人", min_orders=0)
    for index in range(60):
        LeadFactory(
            owner=org.agent_a1.user if index % 2 else org.agent_b1.user,
            status="won" if index % 3 == 0 else "contacted",
        )
    generate_customers(Size(agents=10, teams=2, divisions=1))
    won = Lead.objects.filter(status="won")
    assert Customer.objects.count() == won.count() == 20
    assert not won.filter(customer__isnull=True).exists()
    biggest = Customer.objects.order_by("pk").first()
    # Its owner's 20 leads without a customer of their own (fewer than 40 here) join it,
    # but for one that is every 10th customer's second lead.
    assert 15 <= biggest.leads.count() <= BIG_CUSTOMER_LEADS + 1
    assert Customer.objects.exclude(pk=biggest.pk).filter(leads__status="contacted").exists()
    assert Customer.objects.filter(tier__isnull=False).count() == 20
    # Run again: the same customers, made afresh.
    generate_customers(Size(agents=10, teams=2, divisions=1))
    assert Customer.objects.count() == 20

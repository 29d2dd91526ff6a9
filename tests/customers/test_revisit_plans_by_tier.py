"""Revisit plans can differ by tier: a plan with a tier schedules revisits only for orders
of customers in that tier; a plan without one for every order."""

import pytest

from aftersales.models import RevisitPlan
from aftersales.services import revisits
from customers.models import Customer
from tests.aftersales.factories import delivered_order
from tests.customers.factories import TierFactory, won_customer

pytestmark = pytest.mark.django_db


def test_scheduling_respects_the_tier_condition(org):
    RevisitPlan.objects.all().delete()
    vip = TierFactory(name="VIP")
    everyone = RevisitPlan.objects.create(name="第3天", days_after_delivery=3)
    vip_only = RevisitPlan.objects.create(name="VIP 第7天", days_after_delivery=7, tier=vip)
    vip_customer = won_customer(org.agent_a1)
    Customer.objects.filter(pk=vip_customer.pk).update(tier=vip)
    plain_customer = won_customer(org.agent_a2)

    vip_order = delivered_order(org.agent_a1, lead=vip_customer.origin_lead)
    plain_order = delivered_order(org.agent_a2, lead=plain_customer.origin_lead)
    no_customer_order = delivered_order(org.agent_b1)

    assert {r.plan for r in revisits.revisits_schedule(order=vip_order)} == {everyone, vip_only}
    assert {r.plan for r in revisits.revisits_schedule(order=plain_order)} == {everyone}
    assert {r.plan for r in revisits.revisits_schedule(order=no_customer_order)} == {everyone}

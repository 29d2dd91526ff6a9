"""Factories for the orders app. Products and limits are rows; orders are taken through
the services (`take_order`), so every test order has its events and totals."""

from __future__ import annotations

from decimal import Decimal

import factory

from crm.models import Role
from orders.models import DiscountLimit, Order, Product
from orders.services import taking
from tests.leads.factories import LeadFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"企业宽带套餐{n}")
    category = "企业宽带"
    list_price = Decimal("1000.00")


LIMITS = {
    Role.AGENT: Decimal("5"),
    Role.TEAM_MANAGER: Decimal("15"),
    Role.DEPARTMENT_HEAD: Decimal("30"),
    Role.ADMIN: Decimal("100"),
}


def install_limits() -> None:
    for role, percent in LIMITS.items():
        DiscountLimit.objects.update_or_create(role=role, defaults={"max_percent": percent})


def take_order(
    agent_member,
    *,
    product: Product | None = None,
    quantity: int = 1,
    discount: Decimal | str = "0",
    lead=None,
    by=None,
    **fields,
) -> Order:
    """An order taken from a fresh lead of `agent_member` (or `lead`) by its agent."""
    product = product or ProductFactory()
    if lead is None:
        lead = LeadFactory(owner=agent_member.user, team=agent_member.team)
    return taking.order_create_from_lead(
        lead=lead,
        by=by or agent_member.user,
        lines=[{"product": product, "quantity": quantity, "discount": Decimal(discount)}],
        **fields,
    )

"""Factories for after-sales. Orders are written straight to the table here (delivered, with
the customer's agent and team), so these tests do not depend on how orders are taken."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from aftersales.models import (
    ImprovementItem,
    Revisit,
    ServiceTicket,
    TicketPriority,
    TicketType,
)
from orders.models import Order, OrderStatus
from tests.leads.factories import LeadFactory


def delivered_order(
    member, *, delivered_at: dt.datetime | None = None, lead=None, **fields
) -> Order:
    """A delivered order of a fresh customer of `member` (an agent with a team)."""
    lead = lead or LeadFactory(owner=member.user, team=member.team, status="won")
    amount = Decimal("1000.00")
    fields.setdefault("status", OrderStatus.DELIVERED)
    if "delivered_at" not in fields:
        fields["delivered_at"] = delivered_at or timezone.now()
    return OrderFactory(
        lead=lead,
        agent=member.user,
        team=member.team,
        list_total=amount,
        total=amount,
        **fields,
    )


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"SO-T{n:06d}")
    lead = factory.SubFactory(LeadFactory)
    agent = factory.LazyAttribute(lambda o: o.lead.owner)
    status = OrderStatus.DELIVERED


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row (no events); tests of the moves open tickets through the service."""

    class Meta:
        model = ServiceTicket

    lead = factory.SubFactory(LeadFactory)
    type = TicketType.QUESTION
    priority = TicketPriority.NORMAL
    subject = factory.Sequence(lambda n: f"问题{n}")
    assignee = factory.LazyAttribute(lambda t: t.lead.owner)
    team = factory.LazyAttribute(lambda t: t.lead.team)
    opened_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda t: t.opened_at + dt.timedelta(hours=72))


class RevisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Revisit

    order = factory.SubFactory(OrderFactory)
    lead = factory.LazyAttribute(lambda r: r.order.lead)
    assignee = factory.LazyAttribute(lambda r: r.order.agent)
    due_at = factory.LazyFunction(timezone.now)
    plan = None


class ImprovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementItem

    title = factory.Sequence(lambda n: f"改进{n}")

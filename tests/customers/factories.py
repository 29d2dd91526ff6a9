"""Customers for tests: made the way the product makes them (a lead won), or directly."""

from __future__ import annotations

import factory

from customers.models import Contact, ContactKind, Customer, Tier
from leads.services import followups
from tests.leads.factories import LeadFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactKind.PHONE
    value = factory.Sequence(lambda n: f"+86138{n:08d}")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"等级{n}")


def won_customer(member, **lead_fields) -> Customer:
    """A lead of `member` won through the service: the customer it makes."""
    lead = LeadFactory(owner=member.user, team=member.team, status="interested", **lead_fields)
    followups.lead_mark_won(lead=lead, by=member.user, reason="order")
    lead.refresh_from_db()
    return lead.customer

"""Factories for leads. Rows are created directly (fast); tests of the actions call services."""

import factory
from django.utils import timezone

from leads.models import Call, Campaign, Channel, FollowUp, Lead, LeadStatus


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"活动{n}")
    channel = Channel.ADVERTISING


class LeadFactory(factory.django.DjangoModelFactory):
    """An unowned new lead; pass `owner=user` (assigned_at is set for you) or `team=`."""

    class Meta:
        model = Lead

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    region = "上海"
    channel = Channel.MANUAL
    status = LeadStatus.NEW
    assigned_at = factory.LazyAttribute(lambda lead: timezone.now() if lead.owner else None)
    owner = None


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    lead = factory.SubFactory(LeadFactory)
    agent = factory.LazyAttribute(lambda f: f.lead.owner)
    disposition = "reached"


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    lead = factory.SubFactory(LeadFactory)
    agent = factory.LazyAttribute(lambda c: c.lead.owner)
    started_at = factory.LazyFunction(timezone.now)
    duration_seconds = 60

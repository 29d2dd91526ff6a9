"""Factories for leads. Rows are created directly (fast); tests of the actions call services."""

import factory
from django.utils import timezone

from leads.models import (
    Assignment,
    Call,
    Campaign,
    Channel,
    FollowUp,
    ImportJob,
    ImportRow,
    Lead,
    LeadStatus,
)
from risk.models import DoNotCall


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


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A line of a lead's history; by default the lead going to its current owner."""

    class Meta:
        model = Assignment

    lead = factory.SubFactory(LeadFactory)
    kind = Assignment.Kind.MANUAL
    to_user = factory.LazyAttribute(lambda a: a.lead.owner)
    team = factory.LazyAttribute(lambda a: a.lead.team)
    reason = "测试"


class DoNotCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoNotCall

    phone = factory.Sequence(lambda n: f"+86137{n:08d}")
    reason = "客户要求"
    source = DoNotCall.Source.CUSTOMER


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A finished import (no file behind it: `file` only names one); pass `created_by`."""

    class Meta:
        model = ImportJob

    file = factory.Sequence(lambda n: f"imports/test/{n}.csv")
    original_name = factory.Sequence(lambda n: f"名单{n}.csv")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = ImportJob.Status.DONE
    total_rows = 3
    processed_rows = 3
    created_count = 1
    duplicate_count = 1
    rejected_count = 1
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)


class ImportRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRow

    job = factory.SubFactory(ImportJobFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    outcome = ImportRow.Outcome.REJECTED
    field = "phone"
    reason = "不是有效的电话号码"

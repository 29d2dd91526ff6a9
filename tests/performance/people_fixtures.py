"""Helpers for the reviews, incentives, improvement-plan and turnover tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.models import RevisitStatus
from orders.models import SalesEntry
from performance.models import Scorecard
from performance.periods import Period
from tests.aftersales.factories import OrderFactory, RevisitFactory
from tests.leads.factories import LeadFactory

MARCH = Period("month", dt.date(2026, 3, 1))


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


def scorecard(member, period: Period = MARCH, total="70") -> Scorecard:
    return Scorecard.objects.create(
        level="agent",
        agent=member.user,
        period_kind=period.kind,
        period_start=period.start,
        total=Decimal(total),
    )


def revisit_done(member, satisfaction: int, at: dt.datetime):
    lead = LeadFactory(owner=member.user, team=member.team, status="won")
    order = OrderFactory(lead=lead, agent=member.user, team=member.team)
    return RevisitFactory(
        order=order,
        assignee=member.user,
        status=RevisitStatus.DONE,
        reached=True,
        satisfaction=satisfaction,
        done_at=at,
    )


def sale(member, day: dt.date, amount: str):
    lead = LeadFactory(owner=member.user, team=member.team, status="won")
    order = OrderFactory(lead=lead, agent=member.user, team=member.team)
    return SalesEntry.objects.create(
        order=order,
        kind=SalesEntry.Kind.CONFIRMED,
        agent=member.user,
        team=member.team,
        day=day,
        amount=Decimal(amount),
    )

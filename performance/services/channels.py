"""Keeping the channel report's daily table (`ChannelDay`).

`channel_days_refresh(start, end)` recomputes the days [start, end) in one transaction:
it deletes them and writes one row per (day, team, channel, campaign, product) from two
grouped statements — the leads created that day (contacted and won as of now) and the
sales entries of that day (net orders and revenue, for the lead's channel, campaign and
product). Running it twice writes the same rows (idempotent). Beat refreshes the last
`RECENT_DAYS` days every 15 minutes (leads get contacted and won after the day they came
in) and the last `FULL_DAYS` each night; the report is then at most 15 minutes behind.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from leads.models import Lead, LeadStatus
from orders.models import SalesEntry

from ..models import ChannelDay

RECENT_DAYS = 35
FULL_DAYS = 400
CONTACTED = Q(last_contact_at__isnull=False) | Q(
    status__in=[LeadStatus.CONTACTED, LeadStatus.INTERESTED, LeadStatus.WON]
)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end, dt.time.min)),
    )


def channel_days_refresh(*, start: dt.date, end: dt.date) -> int:
    """Recompute the daily rows of the days [start, end); returns how many were written."""
    low, high = _bounds(start, end)
    zone = timezone.get_current_timezone()
    leads = (
        Lead.objects.filter(created_at__gte=low, created_at__lt=high)
        .annotate(created_day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("created_day", "team_id", "channel", "campaign_id", "product")
        .annotate(
            n=Count("pk"),
            reached=Count("pk", filter=CONTACTED),
            won_count=Count("pk", filter=Q(status=LeadStatus.WON)),
        )
    )
    sales = (
        SalesEntry.objects.filter(day__gte=start, day__lt=end)
        .order_by()
        .values(
            "day",
            "team_id",
            "order__lead__channel",
            "order__lead__campaign_id",
            "order__lead__product",
        )
        .annotate(
            net=Sum(Case(When(kind="confirmed", then=1), default=-1, output_field=IntegerField())),
            amount=Sum("amount"),
        )
    )
    rows: dict[tuple, ChannelDay] = {}

    def row(key) -> ChannelDay:
        if key not in rows:
            day, team_id, channel, campaign_id, product = key
            rows[key] = ChannelDay(
                day=day,
                team_id=team_id,
                channel=channel,
                campaign_id=campaign_id,
                product=product or "",
            )
        return rows[key]

    for item in leads:
        key = (
            item["created_day"],
            item["team_id"],
            item["channel"],
            item["campaign_id"],
            item["product"] or "",
        )
        target = row(key)
        target.leads, target.contacted, target.won = item["n"], item["reached"], item["won_count"]
    for item in sales:
        key = (
            item["day"],
            item["team_id"],
            item["order__lead__channel"],
            item["order__lead__campaign_id"],
            item["order__lead__product"] or "",
        )
        target = row(key)
        target.orders, target.revenue = item["net"] or 0, item["amount"] or 0
    with transaction.atomic():
        ChannelDay.objects.filter(day__gte=start, day__lt=end).delete()
        ChannelDay.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)


def channel_days_refresh_recent(*, days: int = RECENT_DAYS) -> int:
    """The last `days` days up to today (the beat's job)."""
    today = timezone.localdate()
    return channel_days_refresh(
        start=today - dt.timedelta(days=days - 1), end=today + dt.timedelta(days=1)
    )

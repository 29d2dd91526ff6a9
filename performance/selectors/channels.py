"""The channel, campaign and product effectiveness report (渠道 / 推广活动 / 产品 投入产出).

Over a chosen span of days, per channel, campaign or product of interest: leads (created
in the span), contacted, won (as of the last refresh), net orders and revenue (sales
entries of the span, for the lead's channel, campaign and product), and, for those who see
the whole center, the campaigns' cost, cost per order and return (revenue / cost).

Every figure is one grouped SUM over `ChannelDay` (a few rows per day, kept by
`performance.services.channels`), never a pass over the leads; costs are the admin-entered
`leads.CampaignCost` months, the part of each month the span covers (by days).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from leads.models import Campaign, CampaignCost, Channel

from .. import access as performance_access

ZERO = Decimal("0")
CENT = Decimal("0.01")
GROUPS = ("channel", "campaign", "product")
_FIELDS = {"channel": "channel", "campaign": "campaign_id", "product": "product"}


@dataclass
class ChannelRow:
    key: str | int | None
    name: str
    leads: int = 0
    contacted: int = 0
    won: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    cost: Decimal | None = None

    @property
    def contact_rate(self) -> Decimal | None:
        return _percent(self.contacted, self.leads)

    @property
    def conversion(self) -> Decimal | None:
        return _percent(self.won, self.leads)

    @property
    def cost_per_order(self) -> Decimal | None:
        if self.cost is None or self.orders <= 0:
            return None
        return (self.cost / self.orders).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def return_on_cost(self) -> Decimal | None:
        """Revenue per unit of cost (投入产出比), e.g. 3.20 = 3.2 yuan back per yuan."""
        if not self.cost:
            return None
        return (self.revenue / self.cost).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ChannelReport:
    by: str
    start: dt.date
    end: dt.date  # inclusive
    with_costs: bool
    rows: list[ChannelRow] = field(default_factory=list)
    total: ChannelRow | None = None


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def campaign_costs(start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """{campaign id: cost over [start, end]}: each month's amount × the share of its days
    the span covers."""
    first = start.replace(day=1)
    costs: dict[int, Decimal] = {}
    rows = CampaignCost.objects.filter(month__gte=first, month__lte=end).values_list(
        "campaign_id", "month", "amount"
    )
    for campaign_id, month, amount in rows:
        days = calendar.monthrange(month.year, month.month)[1]
        month_end = month.replace(day=days)
        covered = (min(end, month_end) - max(start, month)).days + 1
        if covered <= 0:
            continue
        share = amount * covered / days
        costs[campaign_id] = costs.get(campaign_id, ZERO) + share
    return {key: value.quantize(CENT, rounding=ROUND_HALF_UP) for key, value in costs.items()}


def channel_report(user, *, start: dt.date, end: dt.date, by: str = "channel") -> ChannelReport:
    if by not in GROUPS:
        raise ValueError(by)
    column = _FIELDS[by]
    with_costs = performance_access.sees_campaign_costs(user) and by != "product"
    grouped = (
        performance_access.visible_channel_days(user)
        .filter(day__gte=start, day__lte=end)
        .order_by()
        .values(column)
        .annotate(
            leads_sum=Sum("leads"),
            contacted_sum=Sum("contacted"),
            won_sum=Sum("won"),
            orders_sum=Sum("orders"),
            revenue_sum=Sum("revenue"),
        )
    )
    rows: dict = {}
    for item in grouped:
        key = item[column]
        rows[key] = ChannelRow(
            key=key,
            name="",
            leads=item["leads_sum"] or 0,
            contacted=item["contacted_sum"] or 0,
            won=item["won_sum"] or 0,
            orders=item["orders_sum"] or 0,
            # In cents: SQLite sums decimals as floats (45425.4400000000).
            revenue=Decimal(item["revenue_sum"] or ZERO).quantize(CENT),
        )
    if with_costs:
        costs = campaign_costs(start, end)
        channel_of = dict(Campaign.objects.filter(pk__in=list(costs)).values_list("pk", "channel"))
        for campaign_id, cost in costs.items():
            key = campaign_id if by == "campaign" else channel_of.get(campaign_id)
            row = rows.setdefault(key, ChannelRow(key=key, name=""))
            row.cost = (row.cost or ZERO) + cost
        for row in rows.values():
            row.cost = row.cost if row.cost is not None else ZERO
    _name(rows, by)
    ordered = sorted(rows.values(), key=lambda row: (-row.revenue, -row.leads, row.name))
    total = ChannelRow(key=None, name=_("Total"), cost=ZERO if with_costs else None)
    for row in ordered:
        total.leads += row.leads
        total.contacted += row.contacted
        total.won += row.won
        total.orders += row.orders
        total.revenue += row.revenue
        if with_costs:
            total.cost += row.cost or ZERO
    return ChannelReport(by, start, end, with_costs, ordered, total)


def _name(rows: dict, by: str) -> None:
    if by == "channel":
        labels = dict(Channel.choices)
        for key, row in rows.items():
            row.name = str(labels.get(key, key or _("(none)")))
    elif by == "campaign":
        names = dict(
            Campaign.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name")
        )
        for key, row in rows.items():
            row.name = names.get(key, _("(no campaign)"))
    else:
        for key, row in rows.items():
            row.name = key or _("(not given)")


# --- product sales against the teams' targets -------------------------------------------


@dataclass
class ProductRow:
    product_id: int
    name: str
    target: Decimal | None
    sold: Decimal

    @property
    def achievement(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.sold * 100 / self.target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def product_sales(*, team_id: int, start: dt.date, end: dt.date) -> list[ProductRow]:
    """What the team sold of each product in [start, end) (order lines of orders confirmed
    then and still sold), against the sum of its monthly product targets over the months
    the span starts in. One grouped statement each."""
    from django.db.models import DecimalField, ExpressionWrapper, F
    from django.utils import timezone

    from orders.models import SOLD_STATUSES, OrderLine, Product

    from ..models import ProductTarget

    low = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    high = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    amount = ExpressionWrapper(
        F("unit_price") * F("quantity") - F("discount"), output_field=DecimalField()
    )
    sold = dict(
        OrderLine.objects.filter(
            order__team_id=team_id,
            order__status__in=SOLD_STATUSES,
            order__confirmed_at__gte=low,
            order__confirmed_at__lt=high,
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum(amount))
        .values_list("product_id", "total")
    )
    targets = dict(
        ProductTarget.objects.filter(team_id=team_id, month__gte=start, month__lt=end)
        .order_by()
        .values("product_id")
        .annotate(total=Sum("amount"))
        .values_list("product_id", "total")
    )
    names = dict(Product.objects.filter(pk__in={*sold, *targets}).values_list("pk", "name"))
    rows = [
        ProductRow(pk, names.get(pk, str(pk)), targets.get(pk), sold.get(pk) or ZERO)
        for pk in {*sold, *targets}
    ]
    return sorted(rows, key=lambda row: (-(row.target or ZERO), -row.sold, row.name))

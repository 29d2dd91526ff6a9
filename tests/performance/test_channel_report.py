"""Channel, campaign and product effectiveness: hand-computed figures from the daily table
(refreshed idempotently), costs prorated by days, scope per role, the page with its chart
and export, and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Campaign, CampaignCost, Channel, LeadStatus
from orders.models import Order, SalesEntry
from performance.models import ChannelDay
from performance.selectors.channels import campaign_costs, channel_report
from performance.services.channels import channel_days_refresh
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
D = Decimal
JUNE_1, JUNE_30 = dt.date(2026, 6, 1), dt.date(2026, 6, 30)


def _at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def june(org):
    """Advertising campaign "618" (cost 3,000 in June, 3,100 in July) and a referral
    campaign without cost; leads of team A and team C; sales on some of them."""
    ads = Campaign.objects.create(name="618大促", channel=Channel.ADVERTISING)
    ref = Campaign.objects.create(name="老客推荐", channel=Channel.REFERRAL)
    CampaignCost.objects.create(campaign=ads, month=dt.date(2026, 6, 1), amount=D("3000"))
    CampaignCost.objects.create(campaign=ads, month=dt.date(2026, 7, 15), amount=D("3100"))

    def lead(member, campaign, status, day, *, contacted=False, product="宽带"):
        return LeadFactory(
            owner=member.user,
            team=member.team,
            channel=campaign.channel,
            campaign=campaign,
            status=status,
            product=product,
            created_at=_at(day),
            last_contact_at=_at(day, 12) if contacted else None,
        )

    a1, c1 = org.agent_a1, org.agent_c1
    leads = {
        "w1": lead(a1, ads, LeadStatus.WON, 2, contacted=True),
        "w2": lead(a1, ads, LeadStatus.WON, 3, contacted=True, product="云服务器"),
        "l1": lead(a1, ads, LeadStatus.LOST, 4, contacted=True),
        "n1": lead(a1, ads, LeadStatus.NEW, 5),
        "n2": lead(c1, ads, LeadStatus.NEW, 6),
        "r1": lead(c1, ref, LeadStatus.WON, 7, contacted=True),
        "may": lead(a1, ads, LeadStatus.WON, 1),  # moved to May below: outside June
    }
    leads["may"].created_at = dt.datetime(2026, 5, 31, 10, tzinfo=timezone.get_current_timezone())
    leads["may"].save(update_fields=["created_at"])

    def sale(key, member, amount, day, kind="confirmed"):
        order = Order.objects.create(
            number=f"SO-{key}",
            lead=leads[key],
            agent=member.user,
            team=member.team,
            status="confirmed",
            list_total=D(amount),
            total=D(amount),
        )
        SalesEntry.objects.create(
            order=order,
            kind=kind,
            agent=member.user,
            team=member.team,
            day=dt.date(2026, 6, day),
            amount=D(amount),
            at=_at(day),
        )
        return order

    sale("w1", a1, "1000", 10)
    sale("w2", a1, "2000", 11)
    refunded = sale("l1", a1, "500", 12)
    SalesEntry.objects.create(
        order=refunded, kind="refunded", agent=a1.user, team=a1.team,
        day=dt.date(2026, 6, 20), amount=D("-500"), at=_at(20),
    )  # fmt: skip
    sale("r1", c1, "800", 15)
    assert channel_days_refresh(start=dt.date(2026, 5, 1), end=dt.date(2026, 7, 1)) > 0
    return {"ads": ads, "ref": ref, **leads}


def by_key(report):
    return {row.key: row for row in report.rows}


def test_the_admin_sees_each_campaign_with_cost_per_order_and_return(org, june):
    report = channel_report(org.admin.user, start=JUNE_1, end=JUNE_30, by="campaign")
    ads = by_key(report)[june["ads"].pk]
    # June leads of 618: w1 w2 l1 n1 n2 = 5; contacted 3; won 2 (60 %, 40 %).
    assert (ads.leads, ads.contacted, ads.won) == (5, 3, 2)
    assert (ads.contact_rate, ads.conversion) == (D("60.0"), D("40.0"))
    # Orders: w1 + w2 + l1 confirmed, l1 refunded = 2 net; revenue 1000 + 2000 + 500 - 500.
    assert (ads.orders, ads.revenue) == (2, D("3000"))
    assert ads.cost == D("3000.00")
    assert ads.cost_per_order == D("1500.00") and ads.return_on_cost == D("1.00")
    ref = by_key(report)[june["ref"].pk]
    assert (ref.leads, ref.won, ref.orders, ref.revenue, ref.cost) == (1, 1, 1, D("800"), 0)
    assert ref.cost_per_order == D("0.00") and ref.return_on_cost is None
    assert (report.total.leads, report.total.revenue, report.total.cost) == (
        6,
        D("3800"),
        D("3000"),
    )


def test_costs_are_prorated_by_the_days_a_span_covers(org, june):
    # 21 June – 10 July: 10/30 of June's 3,000 and 10/31 of July's 3,100.
    costs = campaign_costs(dt.date(2026, 6, 21), dt.date(2026, 7, 10))
    assert costs == {june["ads"].pk: D("2000.00")}
    report = channel_report(
        org.admin.user, start=dt.date(2026, 6, 21), end=dt.date(2026, 7, 10), by="channel"
    )
    ads = by_key(report)[Channel.ADVERTISING]
    # Only the refund (20 June) is outside; nothing of 618 falls in the span but the cost.
    assert (ads.leads, ads.orders, ads.revenue, ads.cost) == (0, 0, D("0"), D("2000.00"))
    assert ads.cost_per_order is None


def test_per_channel_and_per_product(org, june):
    channels = by_key(channel_report(org.admin.user, start=JUNE_1, end=JUNE_30, by="channel"))
    assert channels[Channel.ADVERTISING].revenue == D("3000")
    assert channels[Channel.REFERRAL].revenue == D("800")
    assert channels[Channel.ADVERTISING].name == "Advertising"
    products = channel_report(org.admin.user, start=JUNE_1, end=JUNE_30, by="product")
    assert not products.with_costs
    rows = by_key(products)
    assert (rows["宽带"].leads, rows["宽带"].revenue) == (5, D("1800"))
    assert (rows["云服务器"].leads, rows["云服务器"].revenue) == (1, D("2000"))


def test_the_refresh_is_idempotent(org, june):
    before = sorted(ChannelDay.objects.values_list("day", "team", "leads", "orders", "revenue"))
    channel_days_refresh(start=dt.date(2026, 5, 1), end=dt.date(2026, 7, 1))
    after = sorted(ChannelDay.objects.values_list("day", "team", "leads", "orders", "revenue"))
    assert before == after


def test_scope_managers_see_their_teams_without_costs(org, june):
    report = channel_report(org.manager_a.user, start=JUNE_1, end=JUNE_30, by="campaign")
    assert not report.with_costs
    rows = by_key(report)
    assert rows[june["ads"].pk].leads == 4 and june["ref"].pk not in rows
    south = channel_report(org.south_head.user, start=JUNE_1, end=JUNE_30, by="campaign")
    assert {row.key for row in south.rows} == {june["ads"].pk, june["ref"].pk}
    assert by_key(south)[june["ads"].pk].leads == 1
    assert channel_report(org.agent_a1.user, start=JUNE_1, end=JUNE_30).rows == []


def test_the_page_shows_cost_per_order_a_chart_and_exports(org, june, client_as):
    client = client_as(org.admin)
    url = reverse("performance:channels") + "?start=2026-06-01&end=2026-06-30&by=campaign"
    page = client.get(url).content.decode()
    assert 'data-chart="channels"' in page and "performance-charts" in page
    assert "1500.00" in page and "618大促" in page
    export = client.get(
        reverse("performance:channels_export") + "?start=2026-06-01&end=2026-06-30&by=campaign"
        "&format=csv"
    )
    assert export.status_code == 200
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert "618大促" in body.decode("utf-8-sig") and "1500.00" in body.decode("utf-8-sig")
    assert client_as(org.agent_a1).get(url).status_code == 403
    bad = client_as(org.admin).get(
        reverse("performance:channels") + "?start=2026-06-30&end=2026-06-01"
    )
    assert 'data-field="end"' in bad.content.decode()


def test_the_api_gives_the_same_figures(org, june, api_as):
    body = (
        api_as(org.admin)
        .get("/api/performance/channel-report/?start=2026-06-01&end=2026-06-30&by=campaign")
        .json()
    )
    row = next(r for r in body["rows"] if r["key"] == str(june["ads"].pk))
    assert (row["cost_per_order"], row["revenue"], row["conversion"]) == (
        "1500.00",
        "3000.00",
        "40.0",
    )
    bad = api_as(org.admin).get("/api/performance/channel-report/?start=2026-06-30&end=2026-06-01")
    assert bad.status_code == 400 and "end" in bad.json()
    assert api_as(org.agent_a1).get("/api/performance/channel-report/").status_code == 403


# --- product sales targets ----------------------------------------------------------------


def test_heads_set_product_targets_for_their_teams_and_the_scorecard_shows_them(org, client_as):
    from orders.services import order_moves
    from performance.models import Level, PeriodKind, ProductTarget, Scorecard
    from tests.orders.factories import ProductFactory, take_order

    product = ProductFactory(name="企业宽带 千兆", list_price="2000.00")
    month = timezone.localdate().replace(day=1)
    client = client_as(org.south_head)
    url = reverse("performance:product_targets")
    data = {"team": org.team_c.pk, "product": product.pk, "month": month, "amount": "5000"}
    assert client.post(url, data).status_code == 302
    assert ProductTarget.objects.get().amount == D("5000")
    refused = client.post(url, {**data, "team": org.team_a.pk})  # not in their subtree
    assert refused.status_code == 400
    assert ProductTarget.objects.count() == 1
    assert client_as(org.manager_c).get(url).status_code == 403

    for _ in range(2):
        order = take_order(org.agent_c1, product=product)
        order_moves.order_confirm(order=order, by=org.agent_c1.user)
    card = Scorecard.objects.create(
        level=Level.TEAM, team=org.team_c, period_kind=PeriodKind.MONTH, period_start=month
    )
    page = client_as(org.manager_c).get(reverse("performance:scorecard_detail", args=[card.pk]))
    html = page.content.decode()
    assert 'id="product-targets"' in html
    assert "4000.00" in html and "5000.00" in html and "80.0 %" in html

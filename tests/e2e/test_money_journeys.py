"""Money received and channel effectiveness, in a real browser (Debian's Chromium).

A manager opens the receivables of the team: the agent's installment 40 days overdue is in
the 31–60 days column; they record the payment on the order page against it, and the aging
moves it out. An inspector (who sees the whole center, hence the costs) opens the campaign
report: the campaign's cost per order is its month's cost over its net orders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import Campaign, CampaignCost, Channel, LeadStatus
from orders.models import PaymentTerms, SalesEntry
from orders.services import order_moves, payments
from performance.services.channels import channel_days_refresh
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory
from tests.orders.factories import ProductFactory, take_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cell(page: Page, key: int, bucket: str):
    return page.locator(f"#receivables tr[data-key='{key}'] td[data-bucket='{bucket}']")


def test_a_payment_against_an_installment_moves_the_aging(page: Page, live_server, org):
    today = timezone.localdate()
    order = take_order(
        org.agent_a1,
        product=ProductFactory(list_price="1000.00"),
        payment_terms=PaymentTerms.INSTALLMENTS,
    )
    order = order_moves.order_confirm(order=order, by=org.agent_a1.user)
    payments.installment_plan_set(
        order=order,
        by=org.agent_a1.user,
        rows=[(today - dt.timedelta(days=40), "400"), (today + dt.timedelta(days=20), "600")],
    )
    agent = org.agent_a1.user.pk

    signed_in(page, org.manager_a, live_server)
    page.goto("/orders/receivables/")
    expect(_cell(page, agent, "d31_60")).to_have_text("400.00")
    expect(_cell(page, agent, "not_due")).to_have_text("600.00")
    expect(_cell(page, agent, "total")).to_have_text("1000.00")

    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#order-installments tr[data-number='1']")).to_contain_text("overdue")
    form = page.locator("#payment-form")
    form.get_by_label("Amount").fill("400")
    form.get_by_label("Method").select_option("alipay")
    form.get_by_label("Reference").fill("ZFB-2026-001")
    form.get_by_role("button", name="Record").click()
    expect(page.locator("#order-payments")).to_contain_text("ZFB-2026-001")
    expect(page.locator("#order-paid-total")).to_have_text("400.00")
    expect(page.locator("#order-installments tr[data-number='1']")).not_to_contain_text("overdue")

    page.goto("/orders/receivables/")
    expect(_cell(page, agent, "d31_60")).to_have_text("0.00")
    expect(_cell(page, agent, "total")).to_have_text("600.00")

    # Over the balance: refused next to the amount, nothing recorded.
    page.goto(f"/orders/{order.pk}/")
    page.locator("#payment-form").get_by_label("Amount").fill("600.01")
    page.locator("#payment-form").get_by_role("button", name="Record").click()
    expect(page.locator("#payment-form [data-field='amount']")).to_contain_text("600.00")
    assert order.payments.count() == 1


def test_the_campaign_report_shows_cost_per_order(page: Page, live_server, org):
    today = timezone.localdate()
    campaign = Campaign.objects.create(name="双十二直播", channel=Channel.SOCIAL)
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    CampaignCost.objects.create(campaign=campaign, month=first, amount=Decimal("900"))
    for index in range(3):
        lead = LeadFactory(
            owner=org.agent_a1.user,
            team=org.team_a,
            channel=Channel.SOCIAL,
            campaign=campaign,
            status=LeadStatus.INTERESTED,
        )
        if index < 2:
            order = order_moves.order_confirm(
                order=take_order(org.agent_a1, lead=lead), by=org.agent_a1.user
            )
            assert SalesEntry.objects.filter(order=order).exists()
    channel_days_refresh(start=today.replace(day=1), end=today + dt.timedelta(days=1))

    signed_in(page, org.inspector, live_server)
    # The whole month: its whole cost.
    page.goto(f"/performance/channels/?start={first}&end={last}&by=campaign")
    row = page.locator(f"#channel-table tr[data-key='{campaign.pk}']")
    expect(row).to_contain_text("双十二直播")
    expect(row.locator("[data-col='cost']")).to_have_text("900.00")
    expect(row.locator("[data-col='cost-per-order']")).to_have_text("450.00")
    expect(page.locator("#chart-channels")).to_be_visible()

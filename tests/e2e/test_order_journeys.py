"""From a won lead to a delivered order, in a real browser (Debian's Chromium).

The agent takes an order on the lead page with a discount beyond their limit; confirming
is refused until the team manager approves it from "Team orders" (approvals waiting);
then the agent confirms, processes (payment in), ships with a tracking number and
delivers, each move on the order's timeline, and the lead's timeline shows the order.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import LeadStatus
from orders.models import Approval, Order, OrderStatus, SalesEntry
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory
from tests.orders.factories import ProductFactory, install_limits

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.locator("#user-menu").click()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_an_agent_turns_a_lead_into_a_delivered_order(page: Page, live_server, org):
    install_limits()
    product = ProductFactory(sku="BB-100", name="企业宽带 100M 包年", list_price="3600.00")
    lead = LeadFactory(
        name="陈志强", owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.INTERESTED
    )

    # The agent takes the order from the lead page: 10% off, beyond their 5%.
    signed_in(page, org.agent_a1, live_server)
    page.goto(f"/leads/{lead.pk}/")
    page.locator("#create-order").click()
    form = page.locator("#order-form")
    form.locator("select[name='lines-0-product']").select_option(str(product.pk))
    form.locator("input[name='lines-0-quantity']").fill("1")
    form.locator("input[name='lines-0-discount']").fill("360")
    form.get_by_label("Delivery address").fill("上海市浦东新区世纪大道 100 号")
    due = timezone.localdate() + dt.timedelta(days=7)
    form.get_by_label("Expected delivery").fill(due.isoformat())
    page.locator("#save-order").click()
    expect(page.locator("#order-status")).to_contain_text("Draft")
    expect(page.locator("#order-status")).to_contain_text("Approval waiting")
    expect(page.locator("#order-total")).to_have_text("3240.00")
    order = Order.objects.get(lead=lead)
    assert order.approval == Approval.PENDING

    # Confirming is refused while the discount waits.
    page.locator("#move-confirmed button").click()
    expect(page.locator(".alert-danger")).to_contain_text("waits for a manager")

    # The manager approves it from the team's orders.
    sign_out(page)
    signed_in(page, org.manager_a, live_server)
    page.locator("#main-nav").get_by_role("link", name="Team orders").click()
    waiting = page.locator("#approvals-waiting")
    expect(waiting).to_contain_text(order.number)
    waiting.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_contain_text(order.number)
    expect(page.locator("#approvals-waiting")).not_to_contain_text(order.number)

    # The agent confirms, processes, ships and delivers.
    sign_out(page)
    signed_in(page, org.agent_a1, live_server)
    page.locator("#main-nav").get_by_role("link", name="My orders").click()
    page.locator("#orders").get_by_role("link", name=order.number).click()
    page.locator("#move-confirmed button").click()
    expect(page.locator("#order-status")).to_contain_text("Confirmed with the customer")
    page.locator("#move-processing").get_by_label("Payment received").check()
    page.locator("#move-processing button").click()
    expect(page.locator("#order-status")).to_contain_text("In processing")
    page.locator("#move-shipped input[name='tracking_number']").fill("SF1234567890")
    page.locator("#move-shipped button").click()
    expect(page.locator("#order-status")).to_contain_text("Shipped")
    expect(page.locator("#order-facts")).to_contain_text("SF1234567890")
    page.locator("#move-delivered button").click()
    expect(page.locator("#order-status")).to_contain_text("Delivered")

    timeline = page.locator("#order-timeline")
    for text in ("Discount approved", "Shipped → Delivered", "Draft → Confirmed"):
        expect(timeline).to_contain_text(text)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.is_paid
    assert SalesEntry.objects.get(order=order).amount == Decimal("3240.00")

    # The lead is won and its timeline links the order.
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#lead-timeline")).to_contain_text(order.number)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON

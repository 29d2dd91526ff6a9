"""Customers in a real browser (Debian's Chromium): an agent wins a lead and its customer
appears with the lead's number; a lead captured later with the customer's second number
lands on the same customer; a manager merges two duplicate customers and undoes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from crm import phones
from customers.models import Customer, Merge
from leads.models import Lead, LeadStatus
from tests.customers.factories import ContactFactory, won_customer
from tests.e2e.test_journeys import signed_in
from tests.e2e.test_order_journeys import sign_out
from tests.leads.factories import LeadFactory
from tests.orders.factories import ProductFactory, install_limits

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customers_from_a_won_lead_to_a_merge_undone(page: Page, live_server, org):
    install_limits()
    product = ProductFactory(sku="BB-200", name="企业宽带 200M 包年", list_price="5000.00")
    lead = LeadFactory(
        name="周立新", owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.INTERESTED
    )

    # The agent wins the lead by taking an order: the customer appears with its number.
    signed_in(page, org.agent_a1, live_server)
    page.goto(f"/leads/{lead.pk}/")
    page.locator("#create-order").click()
    form = page.locator("#order-form")
    form.locator("select[name='lines-0-product']").select_option(str(product.pk))
    form.locator("input[name='lines-0-quantity']").fill("1")
    page.locator("#save-order").click()
    expect(page.locator("#order-status")).to_contain_text("Draft")
    page.goto(f"/leads/{lead.pk}/")
    page.locator("#lead-customer a").click()
    expect(page.locator("#customer-name")).to_contain_text("周立新")
    expect(page.locator("#contact-list")).to_contain_text(phones.mask(lead.phone))
    expect(page.locator("#customer-orders")).to_contain_text("5000.00")
    customer = Customer.objects.get(leads=lead)

    # The office number is added; a lead captured with it lands on the same customer.
    contact_form = page.locator("#contact-form")
    contact_form.locator("select[name='kind']").select_option("phone")
    contact_form.locator("input[name='value']").fill("021-6212 3456")
    contact_form.locator("input[name='label']").fill("办公室")
    page.locator("#contact-add").click()
    expect(page.locator(".alert-success")).to_contain_text("Contact added")
    expect(page.locator("#contact-list")).to_contain_text("办公室")
    page.goto("/leads/new/")
    lead_form = page.locator("#lead-form")
    lead_form.locator("input[name='phone']").fill("021 6212 3456")
    lead_form.locator("input[name='name']").fill("周立新（办公室）")
    lead_form.locator("button[type='submit']").click()
    expect(page.locator(".alert-success")).to_contain_text("created")
    second = Lead.objects.get(phone="+862162123456")
    assert second.customer_id == customer.pk
    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#customer-leads tbody tr")).to_have_count(2)

    # Two duplicates (an import and a backfill made them) share an email.
    kept = won_customer(org.agent_a1, name="吴海燕")
    other = won_customer(org.agent_a2, name="吴海燕（前台）", company="海燕贸易")
    for duplicate in (kept, other):
        ContactFactory(customer=duplicate, kind="email", value="why@example.com")
    sign_out(page)

    # The manager merges them from the duplicates page, taking the company of the other.
    signed_in(page, org.manager_a, live_server)
    page.locator("#main-nav").get_by_role("link", name="Duplicate customers").click()
    page.locator(f"tr[data-pair='{kept.pk}-{other.pk}']").get_by_role("link", name="Merge").click()
    merge_form = page.locator("#merge-form")
    merge_form.get_by_label("海燕贸易").check()
    page.locator("#merge-confirm").click()
    expect(page).to_have_url(re.compile(rf"/customers/{kept.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("merged")
    expect(page.locator("#customer-name")).to_contain_text("海燕贸易")
    expect(page.locator("#customer-leads tbody tr")).to_have_count(2)
    merge = Merge.objects.get(winner=kept)
    assert merge.moved["leads"] == [other.origin_lead_id]

    # And undoes it: everything is where it was.
    page.locator(f"#undo-merge-{merge.pk}").click()
    expect(page.locator(".alert-success")).to_contain_text("undone")
    expect(page.locator("#customer-leads tbody tr")).to_have_count(1)
    expect(page.locator("#customer-name")).not_to_contain_text("海燕贸易")
    page.goto(f"/customers/{other.pk}/")
    expect(page.locator("#customer-name")).to_contain_text("吴海燕（前台）")
    other.refresh_from_db()
    assert other.merged_into_id is None
    assert Lead.objects.get(pk=other.origin_lead_id).customer_id == other.pk

"""A privacy request in a real browser: an admin finds the person from the menu, logs a
deletion, sees it held back by an open order, and erases once the order is finished."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from orders.models import Order, OrderStatus
from privacy.models import RequestStatus, SubjectRequest
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order
from tests.privacy.conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def signed_in(page: Page, member, live_server) -> None:
    """As tests/e2e/test_journeys.py signs in (not imported: its module marks)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(member.user.username)
    page.get_by_label("Password", exact=True).fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_an_admin_logs_a_deletion_and_erases_the_person(page: Page, live_server, org):
    lead = LeadFactory(
        name=MARKED_NAME,
        phone=MARKED_PHONE,
        email=MARKED_EMAIL,
        owner=org.agent_a1.user,
        team=org.team_a,
    )
    order = take_order(org.agent_a1, lead=lead)
    signed_in(page, org.admin, live_server)

    page.locator("#main-nav").get_by_role("link", name="Privacy requests").click()
    expect(page).to_have_url(f"{live_server.url}/privacy/")
    page.locator("#privacy-new").click()
    search = page.locator("#person-search")
    search.get_by_label("Phone").fill("139 1234 5678")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#person-found")).to_contain_text("Customer records: 1")
    form = page.locator("#request-form")
    expect(form.get_by_label(f"#{lead.pk}", exact=False)).to_be_checked()
    form.get_by_label("Kind").select_option("deletion")
    form.get_by_label("the person asks not to be called again", exact=False).check()
    form.get_by_role("button", name="Log the request").click()

    request = SubjectRequest.objects.get()
    expect(page).to_have_url(f"{live_server.url}/privacy/{request.pk}/")
    expect(page.locator("#erasure-held-back")).to_contain_text(order.number)
    expect(page.locator("#erase-form").get_by_role("button", name="Erase")).to_be_disabled()

    Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED, closed_at=timezone.now())
    page.reload()
    erase = page.locator("#erase-form")
    erase.get_by_label("I have checked who the person is.").check()
    erase.get_by_role("button", name="Erase").click()
    expect(page.locator("#request-status")).to_have_text("Completed")
    expect(page.locator("#request-person")).to_have_text("****5678")
    expect(page.locator("body")).not_to_contain_text(MARKED_NAME)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED

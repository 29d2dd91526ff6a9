"""Risk controls in a real browser: the agent's pages show numbers masked; revealing one
on the lead page (htmx) shows it and logs who saw it; a head opens the risk dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leads.services import followups
from risk.models import PhoneReveal
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)

FULL = ("+8613912345678", "13912345678", "139 1234 5678")


def test_an_agent_sees_masked_numbers_and_reveals_one(page: Page, live_server, org):
    followups.disposition_rules_install_defaults()
    lead = LeadFactory(name="周美玲", phone="+8613912345678", owner=org.agent_a1.user,
                       team=org.team_a)  # fmt: skip
    signed_in(page, org.agent_a1, live_server)

    page.goto(f"{live_server.url}/leads/")
    new = page.locator("#worklist-new")
    expect(new).to_contain_text("139****5678")
    for number in FULL:
        expect(page.locator("body")).not_to_contain_text(number)

    new.get_by_role("link", name="周美玲").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
    card = page.locator("#customer-card")
    expect(card.locator("#phone-number")).to_have_text("139****5678")
    for number in FULL:
        expect(page.locator("body")).not_to_contain_text(number)
    assert not PhoneReveal.objects.exists()

    page.evaluate("window.__sameDocument = true")
    card.locator("#reveal-phone").click()
    expect(card.locator("#phone-number")).to_have_text("+8613912345678")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place by htmx
    reveal = PhoneReveal.objects.get()
    assert (reveal.user_id, reveal.lead_id) == (org.agent_a1.user_id, lead.pk)


def test_a_head_opens_the_risk_dashboard(page: Page, live_server, org):
    signed_in(page, org.head, live_server)
    page.locator("#main-nav").get_by_role("link", name="Risk").click()
    expect(page).to_have_url(f"{live_server.url}/risk/")
    expect(page.locator("#refused")).to_be_visible()
    expect(page.locator("#anomalies")).to_contain_text("Nothing unusual")

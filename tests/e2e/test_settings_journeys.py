"""Settings in a real browser: an administrator tries a lead on the routing rules, changes
the rule it matched, changes a calling window, and finds both changes in the audit trail
(Risk → Audit trail) with their before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from leads.models import CallingWindow, RoutingRule
from tests.e2e.test_journeys import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_previews_a_lead_changes_a_rule_and_a_window_and_finds_them_audited(
    page: Page, live_server, org
):
    rule = RoutingRule.objects.create(
        name="Shanghai leads", order=1, region="上海", team=org.team_a
    )
    window = CallingWindow.objects.create(
        name="Weekdays", weekdays="12345", start=dt.time(9), end=dt.time(18)
    )
    signed_in(page, org.admin, live_server)

    page.locator("#main-nav").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(f"{live_server.url}/settings/")
    page.locator("[data-section=routing]").click()

    # Try a lead: the team, the agent and why.
    trial = page.locator("#try-lead")
    trial.get_by_label("Region").fill("上海浦东")
    trial.get_by_label("Channel").select_option("web_form")
    trial.get_by_label("Grade").select_option("A")
    trial.get_by_role("button", name="Try").click()
    result = page.locator("#try-lead-result")
    expect(result.locator("[data-result=team]")).to_have_text(org.team_a.name)
    expect(result.locator("[data-result=rule]")).to_have_text("Shanghai leads")
    expect(result.locator("[data-result=agent]")).to_contain_text(org.agent_a1.display_name)
    expect(result.locator("[data-result=why]")).to_contain_text("Least loaded")

    # Change the rule it matched: only grade A and B leads from now on.
    page.locator("#settings-rows").get_by_role("link", name="Edit").first.click()
    page.get_by_label("Grades").fill("ab")
    page.locator("#setting-form").get_by_role("button", name="Save").click()
    expect(page.locator("#settings-rows")).to_contain_text("AB")
    rule.refresh_from_db()
    assert rule.grades == "AB"

    # Change a calling window: Saturdays too, until 20:00.
    page.locator("#settings-nav").get_by_role("link", name="Calling windows").click()
    page.locator("#settings-rows").get_by_role("link", name="Edit").first.click()
    page.get_by_label("Weekdays").fill("123456")
    page.get_by_label("Until").fill("20:00")
    page.locator("#setting-form").get_by_role("button", name="Save").click()
    expect(page.locator("#settings-rows")).to_contain_text("20:00")
    window.refresh_from_db()
    assert (window.weekdays, window.end) == ("123456", dt.time(20))

    # Both in the audit trail, before and after.
    page.locator("#main-nav").get_by_role("link", name="Risk").click()
    page.get_by_role("link", name="Audit trail").click()
    table = page.locator("#audit-table")
    expect(table).to_contain_text(f"leads.routingrule#{rule.pk}")
    expect(table).to_contain_text(f"leads.callingwindow#{window.pk}")
    expect(table).to_contain_text("123456")
    expect(table).to_contain_text("AB")

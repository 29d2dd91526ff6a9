"""The manager's bulk bar in a real browser: tick the page, then "all N matching", and
reassign them all from the bar, which stays in view wherever the list is scrolled (at
1440 and at 390 px wide)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leads.models import Assignment, Lead
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"] + 1
    )


def test_manager_reassigns_all_matching_from_the_bar(page: Page, live_server, org):
    graded = LeadFactory.create_batch(60, owner=org.agent_a1.user, team=org.team_a, grade="A")
    others = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a, grade="C")
    page.set_viewport_size({"width": 1440, "height": 900})
    signed_in(page, org.manager_a, live_server)
    page.goto("/leads/team/?grade=A")
    bar = page.locator("#bulk-bar")
    expect(bar).to_be_hidden()

    # Tick the whole page (50 rows), then scroll to the middle of the list: the bar is there.
    page.locator("#select-page").check()
    expect(bar).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text("50 selected")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    assert page.evaluate("window.scrollY") > 0
    assert in_view(page, "#bulk-bar")

    # "All 60 matching": the filters are sent, not the ids.
    page.evaluate("window.scrollTo(0, 0)")
    banner = page.locator("#select-all-banner")
    expect(banner).to_contain_text("All 50 leads on this page are selected.")
    banner.get_by_role("button", name="Select all 60 matching leads").click()
    expect(page.locator("#bulk-count")).to_have_text("All 60 matching leads are selected.")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert in_view(page, "#bulk-bar")

    bar.get_by_label("Give to").select_option(str(org.agent_a2.user_id))
    bar.get_by_label("Why").fill("李工休假, 交给同组")
    bar.get_by_role("button", name="Apply").click()
    expect(page.locator(".alert-success")).to_contain_text("60 leads reassigned")

    owners = dict(Lead.objects.values_list("pk", "owner"))
    assert {owners[lead.pk] for lead in graded} == {org.agent_a2.user_id}
    assert {owners[lead.pk] for lead in others} == {org.agent_a1.user_id}
    assert Assignment.objects.filter(kind=Assignment.Kind.MANUAL).count() == 60


def test_the_bar_is_in_view_on_a_phone(page: Page, live_server, org):
    LeadFactory.create_batch(30, owner=org.agent_a1.user, team=org.team_a)
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in(page, org.manager_a, live_server)
    page.goto("/leads/team/")
    page.locator("input.lead-pick").nth(20).check()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 3)")
    expect(page.locator("#bulk-bar")).to_be_visible()
    assert in_view(page, "#bulk-bar")
    page.locator("#bulk-clear").click()
    expect(page.locator("#bulk-bar")).to_be_hidden()

"""The calling floor in a real browser: an agent changes state from the header control and
by hotkey, and their manager's wallboard (open in another browser, never reloaded) shows
each change within 5 seconds.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from calling.models import AgentState, StateChange
from tests.calling.factories import default_pause_codes
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_journeys import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WITHIN = 5_000  # ms: the wallboard's promise


def test_state_changes_reach_the_managers_wallboard(page: Page, browser, live_server, org):
    default_pause_codes()
    agent = org.agent_a1

    # The manager's wallboard, in a browser of its own.
    board_context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai"
    )
    board_context.set_default_timeout(TIMEOUT_MS)
    board = board_context.new_page()
    try:
        signed_in(board, org.manager_a, live_server)
        board.locator("#main-nav").get_by_role("link", name="Wallboard").click()
        row = board.locator(f"#wallboard-agents tr[data-user='{agent.user.pk}']")
        expect(row).to_have_attribute("data-state", "offline")
        board.evaluate("window.__notReloaded = true")

        # The agent: the control in the header, then Ready from its menu.
        signed_in(page, agent, live_server)
        control = page.locator("#floor-state-control")
        expect(control.locator("#floor-state-label")).to_have_text("Offline")
        assert "Alt+1" in control.get_attribute("title")
        control.locator("#floor-state-toggle").click()
        control.get_by_role("button", name="Ready").click()
        expect(page.locator("#floor-state-label")).to_have_text("Ready")
        expect(row).to_have_attribute("data-state", "ready", timeout=WITHIN)

        # Alt+2 opens the pause menu on its first code; Enter pauses for lunch.
        page.locator("body").click()
        page.keyboard.press("Alt+2")
        expect(page.locator(".floor-pause").first).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#floor-state-label")).to_have_text("Lunch")
        expect(row).to_have_attribute("data-state", "paused", timeout=WITHIN)
        expect(row.locator(".wallboard-state")).to_have_text("Lunch")

        # Alt+1: ready again.
        page.keyboard.press("Alt+1")
        expect(page.locator("#floor-state-label")).to_have_text("Ready")
        expect(row).to_have_attribute("data-state", "ready", timeout=WITHIN)

        # Keys typed in a field are the field's: Alt+3 there changes nothing.
        page.locator("#language-form select").focus()
        page.keyboard.press("Alt+3")
        page.wait_for_timeout(500)
        expect(page.locator("#floor-state-label")).to_have_text("Ready")

        # Alt+3 outside a field: offline.
        page.locator("body").click()
        page.keyboard.press("Alt+3")
        expect(page.locator("#floor-state-label")).to_have_text("Offline")
        expect(row).to_have_attribute("data-state", "offline", timeout=WITHIN)

        assert board.evaluate("window.__notReloaded") is True
        sources = list(
            StateChange.objects.filter(user=agent.user)
            .order_by("started_at", "id")
            .values_list("state", "source")
        )
        assert [state for state, _source in sources] == [
            AgentState.READY,
            AgentState.PAUSED,
            AgentState.READY,
            AgentState.OFFLINE,
        ]
        assert {source for _state, source in sources} == {"agent"}
    finally:
        board_context.close()

"""The preview-dialing session in a real browser, by keyboard alone.

An agent starts a session, sees the first lead to call with its masked number, presses C:
the phone system (a local fake) is asked to ring their extension and posts ringing,
answered and hung up back to the live server while the timer runs. They pick the outcome
by its key, a follow-up time by its key, and "save & next" by N: the next lead shows.
With DIALER_SHOTS set to a folder, screenshots of the session (1440 and 390 px wide, in
Chinese) are saved there.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from calling.models import PhoneCall
from calling.services import phone
from crm.models import Member
from leads.models import FollowUp
from leads.services import followups
from tests.calling.fake_phone import FakePhoneSystem
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "e2e-webhook-secret"
SHOTS = os.environ.get("DIALER_SHOTS", "")


@pytest.fixture
def desk(org):
    followups.disposition_rules_install_defaults()
    Member.objects.filter(pk=org.agent_a1.pk).update(extension="801")
    agent = org.agent_a1.user
    first = LeadFactory(
        name="王建国", phone="+8613800138000", owner=agent, team=org.team_a, grade="A",
        product="企业宽带", company="上海某某科技",
    )  # fmt: skip
    second = LeadFactory(name="李春梅", owner=agent, team=org.team_a, grade="B")
    return first, second


def test_an_agent_calls_writes_up_and_moves_on_by_keyboard(page: Page, live_server, org, desk):
    first, _second = desk
    with FakePhoneSystem(
        secret=SECRET, events_url=live_server.url + "/api/calling/events/", talk_seconds=2.5
    ) as fake:
        phone.phone_settings_save(
            adapter="http",
            source="fakepbx",
            originate_url=fake.url + "/originate?ext={extension}&to={number}&ref={call_id}",
            webhook_secret=SECRET,
        )
        signed_in(page, org.agent_a1, live_server)
        page.locator("#main-nav").get_by_role("link", name="Start calling").click()
        expect(page.locator("#session-start")).to_be_focused()
        page.keyboard.press("Enter")

        # The first lead to call: grade A, its number masked, the call key ready.
        card = page.locator("#preview-card")
        expect(card).to_contain_text("王建国")
        expect(page.locator("#preview-phone")).to_have_text("138****8000")
        expect(page.locator("#dial-button")).to_be_focused()
        shoot(page, "session-agent")

        page.keyboard.press("c")
        expect(page.locator("#call-status")).to_have_text("Answered")
        expect(page.locator("#call-timer")).not_to_have_text("00:00")
        expect(page.locator("#call-status")).to_have_text("Ended", timeout=15_000)
        assert fake.originated[0]["query"]["ext"] == "801"
        assert fake.originated[0]["query"]["to"] == "+8613800138000"
        assert [payload["event"] for payload, _code in fake.posted] == [
            "ringing",
            "answered",
            "hangup",
        ]

        page.keyboard.press("3")  # reached
        expect(page.locator("#disposition-reached")).to_be_checked()
        page.keyboard.press("4")  # call back later: needs a time
        page.keyboard.press("t")  # tomorrow 09:00
        tomorrow = timezone.localtime() + dt.timedelta(days=1)
        expect(page.locator("#id_next_followup_at")).to_have_value(
            tomorrow.strftime("%Y-%m-%dT09:00")
        )
        page.keyboard.press("n")

        # Saved, and the next lead is a different one.
        expect(card).to_contain_text("李春梅")
        expect(page.locator(".messages")).to_contain_text("Saved. Next lead.")

    followup = FollowUp.objects.get(lead=first)
    assert followup.disposition == "call_back"
    assert timezone.localtime(followup.next_followup_at).hour == 9
    call = followup.call
    assert call is not None and call.external_id == "fake-1"
    assert 2 <= call.duration_seconds <= 4  # from the events, not typed
    assert PhoneCall.objects.get(call=call).agent == org.agent_a1.user


def test_skipping_asks_why(page: Page, live_server, org, desk):
    signed_in(page, org.agent_a1, live_server)
    page.goto("/calling/")
    page.keyboard.press("Enter")
    expect(page.locator("#preview-card")).to_contain_text("王建国")
    page.keyboard.press("s")
    reason = page.locator("#skip-form input[name=reason]")
    expect(reason).to_be_focused()
    page.keyboard.press("n")  # typing in the field: a letter, not "save & next"
    expect(reason).to_have_value("n")
    reason.fill("客户在开会, 下午再打")
    page.keyboard.press("Enter")
    expect(page.locator("#preview-card")).to_contain_text("李春梅")


def shoot(page: Page, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-1280.png"), full_page=True)

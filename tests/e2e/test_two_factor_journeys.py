"""Two-factor sign-in in a real browser (issue 20, point 5): a department head signs in, is
made to set up an authenticator (the app's QR code, or the key typed in), keeps the
recovery codes, signs out, and at the next sign-in must give a code; a wrong one is refused.

The "authenticator app" is computed here from the key the page shows, as a phone would.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def authenticator_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for `secret` (base32, as printed on the page)."""
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    totp = TOTP(b32decode(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_head_must_enrol_then_give_a_code_at_each_sign_in(page: Page, live_server, org, settings):
    settings.OTP_REQUIRED_ROLES = ["admin", "department_head"]
    head = org.head

    sign_in(page, head)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.locator("#two-factor-required")).to_be_visible()
    # Nothing else opens before the set-up is confirmed.
    page.goto("/leads/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/\?next=%2Fleads%2F$"))
    qr = page.locator("#two-factor-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.getElementById('two-factor-qr').naturalWidth") > 0
    secret = page.locator("#two-factor-secret").inner_text()

    page.get_by_label("Code").fill(authenticator_code(secret))
    page.get_by_role("button", name="Confirm").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.locator("#recovery-codes-done").click()
    expect(page).to_have_url(f"{live_server.url}/leads/")

    page.locator("#user-menu").click()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    sign_in(page, head)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#two-factor-verify .invalid-feedback")).to_contain_text("not right")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))

    time.sleep(1.2)  # django-otp's wait after one wrong code
    # The set-up used this period's code; the app shows the next one by now or soon.
    page.get_by_label("Code").fill(authenticator_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("#user-menu")).to_contain_text(head.display_name)

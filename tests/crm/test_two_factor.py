"""Two-factor sign-in (issue 20, point 5): admins and heads must enrol an authenticator and
then give a code after their password; others may; recovery codes; wrong codes are
throttled; every event is in the audit trail; an administrator resets a lost phone; the
API issues tokens only after the second factor."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from crm.two_factor import devices, policy
from risk.models import AuditEntry

PASSWORD = "pass-word-123"
REQUIRED = ["admin", "department_head"]


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's authenticator app shows now (or `steps_ahead` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """`user` with a confirmed authenticator and ten recovery codes, as after enrolment."""
    device = devices.authenticator_pending(user=user)
    codes = devices.authenticator_confirm(user=user, code=code_for(device))
    device.refresh_from_db()
    # The enrolment used this period's code: an app shows the next one at the next sign-in.
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return device, codes


def sign_in(client, member):
    return client.post("/accounts/login/", {"username": member.user.username, "password": PASSWORD})


def security_events(user) -> list[str]:
    return [
        entry.after["event"]
        for entry in AuditEntry.objects.filter(
            action=AuditEntry.Action.SECURITY, object_id=str(user.pk)
        ).order_by("at", "id")
    ]


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_ROLES = REQUIRED


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


class TestEnrolmentIsRequiredForAdminsAndHeads:
    def test_a_head_without_a_device_reaches_nothing_but_enrolment(self, client, org, required):
        response = sign_in(client, org.head)
        assert response.status_code == 302
        page = client.get("/leads/")
        assert page.status_code == 302
        assert page["Location"] == "/accounts/two-factor/setup/?next=%2Fleads%2F"
        assert client.get("/admin/").status_code == 302
        api = client.get("/api/me/")
        assert api.status_code == 403 and "two-factor" in api.json()["detail"]
        setup = client.get("/accounts/two-factor/setup/")
        assert setup.status_code == 200
        assert b'id="two-factor-required"' in setup.content
        assert TOTPDevice.objects.filter(user=org.head.user, confirmed=False).count() == 1

    def test_the_qr_code_is_drawn_by_the_app(self, client, org, required):
        sign_in(client, org.head)
        response = client.get("/accounts/two-factor/setup/qr.svg")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert "no-store" in response["Cache-Control"]
        assert b"<svg" in response.content and b"<script" not in response.content

    def test_confirming_a_code_enrols_shows_ten_recovery_codes_once_and_opens_the_app(
        self, client, org, required, no_throttle
    ):
        sign_in(client, org.head)
        client.get("/accounts/two-factor/setup/")
        device = TOTPDevice.objects.get(user=org.head.user)

        wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
        assert wrong.status_code == 200 and b"not right" in wrong.content
        response = client.post(
            "/accounts/two-factor/setup/", {"code": code_for(device), "next": "/leads/"}
        )

        assert response.status_code == 200
        shown = re.findall(r'<li class="col">(\w+)</li>', response.content.decode())
        assert len(shown) == 10
        assert set(shown) == set(StaticToken.objects.values_list("token", flat=True))
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/leads/").status_code == 200
        assert client.get("/accounts/two-factor/").status_code == 200
        assert security_events(org.head.user) == ["enrolled"]

    def test_superusers_count_as_admins(self, django_user_model, required):
        root = django_user_model.objects.create_superuser("root", "r@example.com", PASSWORD)
        assert policy.is_required(root)

    def test_agents_and_managers_are_not_asked(self, client, org, required):
        for member in (org.agent_a1, org.manager_a):
            client.logout()
            sign_in(client, member)
            assert client.get("/leads/").status_code == 200

    def test_force_login_goes_through_the_same_decision(self, client, org, required):
        client.force_login(org.admin.user)
        assert client.get("/").status_code == 302

    def test_without_required_roles_force_logged_admins_work_as_before(self, client, org):
        client.force_login(org.admin.user)
        assert client.get("/").status_code == 200

    def test_a_session_from_before_two_factor_is_decided_on_its_first_page(
        self, client, org, required
    ):
        client.force_login(org.head.user)
        session = client.session
        del session[policy.SESSION_KEY]
        session.save()
        assert client.get("/").status_code == 302
        assert client.session[policy.SESSION_KEY] == policy.ENROL


class TestTheCodeStep:
    def test_a_user_with_a_device_gives_a_code_after_the_password(self, client, org):
        device, _codes = enrolled(org.agent_a1.user)

        sign_in(client, org.agent_a1)
        page = client.get("/leads/")
        assert page["Location"] == "/accounts/two-factor/verify/?next=%2Fleads%2F"
        assert client.get("/accounts/two-factor/setup/").status_code == 302  # no new device
        assert client.get("/accounts/two-factor/").status_code == 302
        response = client.post(
            "/accounts/two-factor/verify/", {"code": code_for(device), "next": "/leads/"}
        )

        assert response.status_code == 302 and response["Location"] == "/leads/"
        assert client.get("/leads/").status_code == 200
        assert client.get("/accounts/two-factor/verify/").status_code == 302

    def test_a_wrong_code_is_refused_audited_and_throttled(self, client, org):
        device, _codes = enrolled(org.head.user)
        sign_in(client, org.head)

        wrong = client.post("/accounts/two-factor/verify/", {"code": "123456"})
        assert wrong.status_code == 200 and b"not right" in wrong.content
        # The right code at once: django-otp makes the next try wait (1 s, then 2, 4 …).
        right_too_soon = client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
        assert b"Too many wrong codes" in right_too_soon.content
        assert client.get("/leads/").status_code == 302

        entries = AuditEntry.objects.filter(action="security", object_id=str(org.head.user_id))
        refusals = [e.after for e in entries if e.after["event"] == "code_refused"]
        assert [r["throttled"] for r in sorted(refusals, key=lambda r: r["throttled"])] == [
            False,
            True,
        ]
        assert all(r["channel"] == "web" for r in refusals)
        assert entries.first().actor_id == org.head.user_id

    def test_a_recovery_code_signs_in_once(self, client, org, no_throttle):
        _device, codes = enrolled(org.head.user)
        sign_in(client, org.head)

        response = client.post("/accounts/two-factor/verify/", {"code": codes[0].upper()})
        assert response.status_code == 302
        assert client.get("/leads/").status_code == 200
        assert devices.recovery_codes_left(org.head.user) == 9
        client.logout()
        sign_in(client, org.head)
        again = client.post("/accounts/two-factor/verify/", {"code": codes[0]})
        assert again.status_code == 200 and b"not right" in again.content
        assert security_events(org.head.user) == [
            "enrolled",
            "recovery_code_used",
            "code_refused",
        ]
        used = AuditEntry.objects.filter(action="security").order_by("id")[1]
        assert used.after["recovery_codes_left"] == 9
        assert codes[0] not in str(list(AuditEntry.objects.values_list("after", flat=True)))

    def test_next_must_stay_on_this_site(self, client, org):
        device, _codes = enrolled(org.agent_a1.user)
        sign_in(client, org.agent_a1)
        response = client.post(
            "/accounts/two-factor/verify/",
            {"code": code_for(device), "next": "https://evil.example/"},
        )
        assert response["Location"] == "/"

    def test_signing_out_stays_open(self, client, org):
        enrolled(org.agent_a1.user)
        sign_in(client, org.agent_a1)
        assert client.post("/accounts/logout/").status_code == 302
        assert "_auth_user_id" not in client.session


class TestOwnSettings:
    def test_an_agent_enrols_from_their_page(self, client_as, org):
        client = client_as(org.agent_a1)
        page = client.get("/accounts/two-factor/")
        assert page.status_code == 200 and b"Set up" in page.content
        client.get("/accounts/two-factor/setup/")
        device = TOTPDevice.objects.get(user=org.agent_a1.user)
        response = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
        assert response.status_code == 200
        assert devices.has_device(org.agent_a1.user)
        assert client.get("/leads/").status_code == 200  # this session is verified

    def test_an_agent_turns_it_off_with_a_code(self, client, org, no_throttle):
        device, _codes = enrolled(org.agent_a1.user)
        sign_in(client, org.agent_a1)
        client.post("/accounts/two-factor/verify/", {"code": code_for(device)})

        response = client.post(
            "/accounts/two-factor/",
            {"code": code_for(device, steps_ahead=1), "action": "disable"},
        )

        assert response.status_code == 302
        assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
        assert "disabled" in security_events(org.agent_a1.user)
        assert client.get("/leads/").status_code == 200

    def test_a_head_cannot_turn_it_off(self, client, org, required, no_throttle):
        device, _codes = enrolled(org.head.user)
        sign_in(client, org.head)
        client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
        response = client.post(
            "/accounts/two-factor/",
            {"code": code_for(device, steps_ahead=1), "action": "disable"},
        )
        assert response.status_code == 200 and b"cannot be turned off" in response.content
        assert devices.has_device(org.head.user)

    def test_new_recovery_codes_replace_the_old_ones(self, client, org, no_throttle):
        device, old_codes = enrolled(org.agent_a1.user)
        sign_in(client, org.agent_a1)
        client.post("/accounts/two-factor/verify/", {"code": code_for(device)})

        response = client.post(
            "/accounts/two-factor/",
            {"code": code_for(device, steps_ahead=1), "action": "recovery_codes"},
        )

        new_codes = re.findall(r'<li class="col">(\w+)</li>', response.content.decode())
        assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
        assert security_events(org.agent_a1.user)[-1] == "recovery_codes_renewed"


class TestAdministratorReset:
    def test_an_admin_resets_a_lost_phone_and_ends_the_sessions(
        self, client, client_as, org, required
    ):
        device, _codes = enrolled(org.head.user)
        sign_in(client, org.head)
        client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
        Token.objects.create(user=org.head.user)
        head_session = client.session.session_key

        admin_device, _codes = enrolled(org.admin.user)
        admin = Client()
        sign_in(admin, org.admin)
        admin.post("/accounts/two-factor/verify/", {"code": code_for(admin_device)})
        page = admin.get(f"/org/members/{org.head.pk}/")
        assert b'id="two-factor-reset"' in page.content
        response = admin.post(f"/accounts/two-factor/reset/{org.head.user_id}/")

        assert response.status_code == 302
        assert response["Location"] == f"/org/members/{org.head.pk}/"
        assert not devices.has_device(org.head.user)
        assert not Token.objects.filter(user=org.head.user).exists()
        assert not Session.objects.filter(pk=head_session).exists()
        reset = AuditEntry.objects.get(action="security", after__event="reset")
        assert (reset.actor_id, reset.object_id) == (org.admin.user_id, str(org.head.user_id))
        # At the next sign-in the head sets up again.
        client.logout()
        sign_in(client, org.head)
        assert client.get("/").status_code == 302
        assert client.get("/")["Location"].startswith("/accounts/two-factor/setup/")

    def test_only_admins_reset(self, client_as, org):
        enrolled(org.agent_a1.user)
        response = client_as(org.head).post(f"/accounts/two-factor/reset/{org.agent_a1.user_id}/")
        assert response.status_code == 403
        assert devices.has_device(org.agent_a1.user)

    def test_not_oneself(self, client_as, org):
        client = client_as(org.admin)
        response = client.post(f"/accounts/two-factor/reset/{org.admin.user_id}/", follow=True)
        assert b"Use your own two-factor page" in response.content


class TestTokens:
    URL = "/api/auth/token/"

    def test_a_user_with_a_device_needs_the_code(self, api, org):
        device, _codes = enrolled(org.agent_a1.user)
        credentials = {"username": "agent_a1", "password": PASSWORD}

        missing = api.post(self.URL, credentials, format="json")
        assert missing.status_code == 400 and "otp" in missing.json()
        wrong = api.post(self.URL, {**credentials, "otp": "000000"}, format="json")
        assert wrong.status_code == 400 and "otp" in wrong.json()
        assert security_events(org.agent_a1.user)[-1] == "code_refused"
        time.sleep(1.1)  # the wait after one wrong code
        right = api.post(self.URL, {**credentials, "otp": code_for(device)}, format="json")
        assert right.status_code == 200 and right.json()["token"]

    def test_a_head_without_a_device_gets_no_token(self, api, org, required):
        response = api.post(
            self.URL, {"username": "head_user", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 400
        assert "browser" in response.json()["otp"][0]
        assert not Token.objects.exists()

    def test_others_without_a_device_get_one_as_before(self, api, org, required):
        response = api.post(self.URL, {"username": "agent_a1", "password": PASSWORD})
        assert response.status_code == 200


def test_devices_are_not_edited_in_the_django_admin_where_nothing_would_be_audited():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_admins_find_the_events_in_the_audit_search(client_as, org):
    enrolled(org.agent_a1.user)
    response = client_as(org.admin).get(
        "/risk/audit/", {"action": "security", "model": "auth.user"}
    )
    assert response.status_code == 200
    assert b"Security event" in response.content
    assert b"agent_a1: enrolled" in response.content


def test_a_session_with_nothing_to_do_pays_no_query_for_two_factor(client_as, org, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(org.agent_a1)
    client.get("/notifications/")  # warm: the session and the menus
    with CaptureQueriesContext(connection) as gated:
        client.get("/notifications/")
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if "otp" not in name and "two_factor" not in name
    ]
    plain_client = Client()  # a handler built with the middleware of now
    plain_client.cookies = client.cookies
    with CaptureQueriesContext(connection) as plain:
        plain_client.get("/notifications/")
    assert plain_client.handler._middleware_chain is not client.handler._middleware_chain
    assert len(gated) == len(plain)


def test_before_the_code_the_page_shows_no_menu_and_no_notification(client, org):
    from crm.models import Notification

    enrolled(org.agent_a1.user)
    Notification.objects.create(user=org.agent_a1.user, kind="t", key="k", text="回访周美玲")
    sign_in(client, org.agent_a1)

    page = client.get("/accounts/two-factor/verify/")

    assert page.status_code == 200
    assert "回访周美玲" not in page.content.decode()
    assert page.context["nav_items"] == []

"""The phone-system adapter against a local server that plays the phone system.

Given an HTTP phone system configured by the admin, when an agent calls a lead, then the
phone system is asked to ring the agent's extension; its events (signed) fill one call
record whatever their order and however often they are posted, with the duration from the
events, and move the agent's state.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from calling.models import (
    AgentState,
    CallEvent,
    PhoneCall,
    PhoneCallStatus,
    PhoneSettings,
    Recording,
)
from calling.services import dialer, phone
from calling.services.states import current_state
from crm.models import Member
from leads.models import Call
from tests.calling.fake_phone import FakePhoneSystem
from tests.leads.factories import LeadFactory

SECRET = "s3cret-webhook-key"
EVENTS = "/api/calling/events/"


def configure(url: str, **extra) -> PhoneSettings:
    values = {
        "adapter": "http",
        "source": "fakepbx",
        "originate_url": url + "/originate?ext={extension}&to={number}&ref={call_id}",
        "originate_method": "POST",
        "auth_header_name": "Authorization",
        "auth_header_value": "Bearer pbx-token",
        "webhook_secret": SECRET,
        **extra,
    }
    return phone.phone_settings_save(**values)


def with_extension(member, extension="801"):
    Member.objects.filter(pk=member.pk).update(extension=extension)
    return member


def post_event(client, payload: dict, *, secret: str = SECRET, signature: str | None = None):
    body = json.dumps(payload).encode()
    headers = {}
    if signature is not None or secret:
        headers["HTTP_X_SIGNATURE"] = (
            signature if signature is not None else phone.sign(secret, body)
        )
    return client.post(EVENTS, data=body, content_type="application/json", **headers)


def event(call_id, kind, at=None, **fields):
    return {"call_id": call_id, "event": kind, "at": (at or timezone.now()).isoformat(), **fields}


@pytest.mark.django_db
class TestOriginate:
    def test_the_phone_system_is_asked_to_ring_the_agents_extension(self, org):
        agent = with_extension(org.agent_a1)
        lead = LeadFactory(owner=agent.user, team=org.team_a, phone="+8613800138000")
        with FakePhoneSystem() as fake:
            configure(fake.url)
            phone_call = phone.call_originate(agent=agent.user, lead=lead)
        asked = fake.originated[0]
        assert asked["query"] == {
            "ext": "801",
            "to": "+8613800138000",
            "ref": str(phone_call.reference),
        }
        assert asked["headers"]["Authorization"] == "Bearer pbx-token"
        assert asked["body"]["number"] == "+8613800138000"
        assert phone_call.external_id == "fake-1"
        assert phone_call.agent == agent.user and phone_call.lead == lead

    def test_a_refusal_is_a_400_on_the_lead_and_the_call_is_marked_failed(self, org):
        agent = with_extension(org.agent_a1)
        lead = LeadFactory(owner=agent.user, team=org.team_a)
        with FakePhoneSystem() as fake:
            fake.refuse = True
            configure(fake.url)
            with pytest.raises(ValidationError) as refused:
                phone.call_originate(agent=agent.user, lead=lead)
        assert "lead" in refused.value.message_dict
        assert PhoneCall.objects.get().status == PhoneCallStatus.FAILED

    def test_an_agent_without_an_extension_is_told(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        configure("http://127.0.0.1:9")
        with pytest.raises(ValidationError, match="extension"):
            phone.call_originate(agent=org.agent_a1.user, lead=lead)

    def test_the_secret_is_kept_when_the_form_leaves_it_empty(self, org):
        configure("http://127.0.0.1:9")
        phone.phone_settings_save(
            adapter="http", originate_url="http://127.0.0.1:9/x", webhook_secret=""
        )
        assert PhoneSettings.objects.get().webhook_secret == SECRET
        assert phone.secret_hint(SECRET) == "••••-key"


@pytest.mark.django_db
class TestEvents:
    @pytest.fixture
    def originated(self, org):
        configure("http://127.0.0.1:9")
        agent = with_extension(org.agent_a1)
        lead = LeadFactory(owner=agent.user, team=org.team_a, phone="+8613800138000")
        return PhoneCall.objects.create(
            source="fakepbx", agent=agent.user, lead=lead, extension="801", number=lead.phone
        )

    def test_unsigned_or_wrongly_signed_events_are_refused(self, client, originated):
        payload = event("x-1", "ringing", reference=str(originated.reference))
        assert post_event(client, payload, secret="").status_code == 403
        assert post_event(client, payload, signature="sha256=" + "0" * 64).status_code == 403
        assert post_event(client, payload, secret="another secret").status_code == 403
        assert not CallEvent.objects.exists()
        assert post_event(client, payload).status_code == 200

    def test_no_secret_configured_refuses_everything(self, client, originated):
        PhoneSettings.objects.update(webhook_secret="")
        payload = event("x-1", "ringing")
        assert (
            post_event(client, payload, secret="", signature=phone.sign("", b"x")).status_code
            == 403
        )

    def test_events_fill_one_call_with_the_duration_from_the_events(self, client, originated):
        start = timezone.now() - dt.timedelta(minutes=2)
        ref = str(originated.reference)
        ringing = event("pbx-7", "ringing", at=start, reference=ref)
        answered = event("pbx-7", "answered", at=start + dt.timedelta(seconds=5), reference=ref)
        hangup = event(
            "pbx-7", "hangup", at=start + dt.timedelta(seconds=95), reference=ref,
            recording_url="https://pbx.example.com/rec/pbx-7.mp3",
        )  # fmt: skip
        for payload in (ringing, answered, answered, hangup, hangup):
            assert post_event(client, payload).status_code == 200
        assert post_event(client, answered).json()["status"] == "duplicate"
        call = Call.objects.get()
        assert (call.source, call.external_id) == ("fakepbx", "pbx-7")
        assert call.duration_seconds == 90
        assert call.started_at == start + dt.timedelta(seconds=5)
        assert call.lead == originated.lead and call.agent == originated.agent
        assert call.recording_url == "https://pbx.example.com/rec/pbx-7.mp3"
        assert Recording.objects.get(call=call).location.endswith("pbx-7.mp3")
        assert CallEvent.objects.count() == 3
        originated.refresh_from_db()
        assert originated.status == PhoneCallStatus.ENDED and originated.external_id == "pbx-7"
        assert current_state(originated.agent).state == AgentState.WRAP_UP

    def test_events_out_of_order_end_the_same(self, client, originated):
        start = timezone.now() - dt.timedelta(minutes=2)
        ref = str(originated.reference)
        hangup = event("pbx-8", "hangup", at=start + dt.timedelta(seconds=40), reference=ref)
        answered = event("pbx-8", "answered", at=start + dt.timedelta(seconds=10))
        assert post_event(client, hangup).status_code == 200
        assert post_event(client, answered).status_code == 200
        assert post_event(client, event("pbx-8", "ringing", at=start)).status_code == 200
        call = Call.objects.get()
        assert call.duration_seconds == 30
        assert call.started_at == start + dt.timedelta(seconds=10)
        assert current_state(originated.agent).state == AgentState.WRAP_UP

    def test_answered_puts_the_agent_on_a_call(self, client, originated):
        post_event(client, event("pbx-9", "answered", reference=str(originated.reference)))
        assert current_state(originated.agent).state == AgentState.ON_CALL

    def test_a_call_we_did_not_originate_is_matched_by_number_and_extension(
        self, client, org, originated
    ):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone="+8613900139000")
        payload = event(
            "in-1", "ringing", extension="801", number="139 0013 9000", direction="inbound"
        )
        assert post_event(client, payload).status_code == 200
        call = Call.objects.get(external_id="in-1")
        assert call.lead == lead and call.agent == org.agent_a1.user
        assert call.direction == Call.Direction.INBOUND

    def test_bad_events_are_400s_naming_the_field(self, client, originated):
        assert post_event(client, {"event": "ringing"}).status_code == 400
        assert "event" in post_event(client, {"call_id": "x", "event": "party"}).json()
        future = event("x", "ringing", at=timezone.now() + dt.timedelta(days=1))
        assert "at" in post_event(client, future).json()
        body = b"[1, 2]"
        response = client.post(
            EVENTS, data=body, content_type="application/json",
            HTTP_X_SIGNATURE=phone.sign(SECRET, body),
        )  # fmt: skip
        assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_call_through_the_local_phone_system_end_to_end(org, live_server, client):
    """Dial from the session: the fake phone system answers with its call id, then posts
    ringing, answered and hung up to the live server; the write-up links that call."""
    from leads.services import followups

    followups.disposition_rules_install_defaults()
    agent = with_extension(org.agent_a1)
    lead = LeadFactory(owner=agent.user, team=org.team_a)
    with FakePhoneSystem(
        secret=SECRET, events_url=live_server.url + EVENTS, talk_seconds=1.2
    ) as fake:
        configure(fake.url)
        client.force_login(agent.user)
        assert dialer.lead_next(agent=agent.user).lead == lead
        answer = client.post("/calling/dial/", {"lead": lead.pk}, HTTP_ACCEPT="application/json")
        assert answer.status_code == 200, answer.content
        reference = answer.json()["call"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status = client.get(f"/calling/calls/status/{reference}/").json()
            if status["status"] == "ended":
                break
            time.sleep(0.2)
        assert status["status"] == "ended"
    assert [payload["event"] for payload, code in fake.posted] == ["ringing", "answered", "hangup"]
    call = Call.objects.get(external_id="fake-1")
    assert 1 <= call.duration_seconds <= 3
    response = client.post(
        "/calling/save/", {"lead": lead.pk, "phone_call": reference, "disposition": "reached"}
    )
    assert response.status_code == 302
    assert call.followup.disposition == "reached"


@pytest.mark.django_db
def test_the_admin_sets_the_phone_system_and_the_secret_is_never_shown_back(client_as, org):
    client = client_as(org.admin)
    response = client.post(
        "/calling/phone/",
        {
            "adapter": "http",
            "source": "cloudcc",
            "originate_url": "https://pbx.example.com/call?from={extension}&to={number}",
            "originate_method": "POST",
            "auth_header_name": "Authorization",
            "auth_header_value": "Bearer abcdefgh12345",
            "webhook_secret": "a-long-webhook-secret-9876",
            "timeout_seconds": 5,
        },
    )
    assert response.status_code == 302
    saved = PhoneSettings.objects.get()
    assert saved.configured and saved.webhook_secret == "a-long-webhook-secret-9876"
    page = client.get("/calling/phone/").content.decode()
    assert "a-long-webhook-secret-9876" not in page and "Bearer abcdefgh12345" not in page
    assert "••••9876" in page
    assert "/api/calling/events/" in page
    assert client_as(org.agent_a1).get("/calling/phone/").status_code == 403

"""Calls: from any phone system, matched by number and extension, never lost.

Given an agent on extension 8001 with a lead, when the phone system posts a call record
(in whatever number format it uses), then it lands on that lead and that agent; when it
posts the same call again, nothing is stored twice; when nobody knows the number, the
call is kept unmatched.
"""

import datetime as dt

import pytest
from django.utils import timezone

from crm.models import Member
from leads.inbound_auth import inbound_key_issue
from leads.models import Call
from leads.services.followups import call_record, disposition_rules_install_defaults
from tests.leads.factories import CallFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def disposition_rules(db):
    """The default rules, as the data migration installs them (a flushed test database
    has lost migration data)."""
    disposition_rules_install_defaults()


@pytest.fixture
def agent(org):
    Member.objects.filter(pk=org.agent_a1.pk).update(extension="8001")
    return org.agent_a1.user


@pytest.fixture
def lead(agent, org):
    return LeadFactory(owner=agent, team=org.team_a, phone="+8613800138000")


def record(**kwargs):
    kwargs.setdefault("started_at", timezone.now() - dt.timedelta(minutes=5))
    kwargs.setdefault("duration_seconds", 73)
    kwargs.setdefault("caller", "8001")
    kwargs.setdefault("callee", "13800138000")
    return call_record(**kwargs)


class TestCallRecords:
    @pytest.mark.parametrize(
        "callee", ["13800138000", "+86 138-0013-8000", "008613800138000", "8613800138000"]
    )
    def test_an_outbound_call_is_matched_by_the_callee_and_the_extension(self, lead, agent, callee):
        call = record(callee=callee, extension="8001", source="asterisk", external_id="c-1")
        assert (call.lead, call.agent) == (lead, agent)
        assert call.callee == "+8613800138000"
        assert call.duration_seconds == 73

    def test_an_inbound_call_is_matched_by_the_caller(self, lead, agent):
        call = record(
            caller="138 0013 8000", callee="4008001234", extension="8001", direction="inbound"
        )
        assert (call.lead, call.agent, call.direction) == (lead, agent, "inbound")

    def test_the_same_call_posted_twice_is_stored_once(self, lead):
        first = record(source="freeswitch", external_id="uuid-1", recording_url="https://r/1")
        again = record(source="freeswitch", external_id="uuid-1", duration_seconds=99)
        assert again.pk == first.pk and again.duration_seconds == 73
        other_system = record(source="cloud", external_id="uuid-1")
        assert other_system.pk != first.pk
        assert Call.objects.count() == 2

    def test_an_unknown_number_and_extension_are_kept_unmatched(self, lead):
        call = record(callee="13900000000", extension="9999")
        assert call.lead is None and call.agent is None
        assert call.callee == "+8613900000000"
        garbage = record(callee="anonymous", caller="")
        assert garbage.lead is None and garbage.callee == "anonymous"
        assert Call.objects.count() == 2

    def test_a_negative_duration_is_refused(self, lead):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            record(duration_seconds=-1)


class TestCallApi:
    def test_calls_are_scoped(self, api_as, org, lead):
        mine = CallFactory(lead=lead)
        theirs = CallFactory(lead=LeadFactory(owner=org.agent_a2.user, team=org.team_a))
        CallFactory(lead=None, agent=None)  # unmatched: only the whole-center roles see it

        def listed(member) -> set[int]:
            response = api_as(member).get("/api/leads/calls/")
            assert response.status_code == 200
            return {row["id"] for row in response.json()["results"]}

        assert listed(org.agent_a1) == {mine.pk}
        assert listed(org.manager_a) == {mine.pk, theirs.pk}
        assert listed(org.manager_b) == set()
        assert len(listed(org.admin)) == 3
        assert api_as(org.agent_a1).get(f"/api/leads/calls/{theirs.pk}/").status_code == 404

    def test_an_agent_adds_a_call_to_their_lead(self, api_as, org, lead):
        started = (timezone.now() - dt.timedelta(minutes=3)).isoformat()
        response = api_as(org.agent_a1).post(
            "/api/leads/calls/", {"lead": lead.pk, "started_at": started, "duration_seconds": 60}
        )
        assert response.status_code == 201, response.content
        call = Call.objects.get()
        assert (call.lead, call.agent, call.source) == (lead, org.agent_a1.user, "manual")

    def test_not_to_a_colleagues_lead(self, api_as, org, lead):
        started = timezone.now().isoformat()
        response = api_as(org.agent_a2).post(
            "/api/leads/calls/", {"lead": lead.pk, "started_at": started, "duration_seconds": 60}
        )
        assert response.status_code == 400 and "lead" in response.json()

    def test_call_filters(self, api_as, org, lead):
        matched = CallFactory(lead=lead, source="asterisk")
        CallFactory(lead=None, agent=None, source="asterisk")
        client = api_as(org.admin)
        rows = client.get("/api/leads/calls/", {"matched": "true"}).json()["results"]
        assert [row["id"] for row in rows] == [matched.pk]
        rows = client.get("/api/leads/calls/", {"lead": lead.pk}).json()["results"]
        assert [row["id"] for row in rows] == [matched.pk]

    def test_a_phone_system_posts_calls_with_its_key(self, api, lead, agent):
        _key, plaintext = inbound_key_issue(name="Asterisk", channel="inbound_call")
        payload = {
            "caller": "8001",
            "callee": "138 0013 8000",
            "extension": "8001",
            "started_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(),
            "duration_seconds": 61,
            "external_id": "1700000000.42",
            "recording_url": "https://pbx.example.com/rec/42.wav",
        }
        headers = {"X-Api-Key": plaintext}
        first = api.post("/api/leads/calls/ingest/", payload, format="json", headers=headers)
        assert first.status_code == 201, first.content
        assert first.json()["lead"] == lead.pk and first.json()["agent"] == agent.pk
        again = api.post("/api/leads/calls/ingest/", payload, format="json", headers=headers)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        call = Call.objects.get()
        assert call.source == f"key:{_key.prefix}"
        unknown = dict(payload, callee="13999999999", external_id="x-2", extension="")
        response = api.post("/api/leads/calls/ingest/", unknown, format="json", headers=headers)
        assert response.status_code == 201 and response.json()["lead"] is None

    def test_a_web_form_key_or_a_bad_key_cannot_post_calls(self, api, lead):
        _key, web_form = inbound_key_issue(name="Landing page", channel="web_form")
        payload = {
            "caller": "8001",
            "callee": "13800138000",
            "started_at": timezone.now().isoformat(),
            "duration_seconds": 5,
        }
        url = "/api/leads/calls/ingest/"
        response = api.post(url, payload, format="json", headers={"X-Api-Key": web_form})
        assert response.status_code == 403
        response = api.post(url, payload, format="json", headers={"X-Api-Key": "abc.def"})
        assert response.status_code == 401
        assert api.post(url, payload, format="json").status_code == 401
        assert not Call.objects.exists()

    def test_a_phone_system_key_reads_nothing(self, api, lead):
        CallFactory(lead=lead)
        _key, plaintext = inbound_key_issue(name="Asterisk", channel="inbound_call")
        for url in ("/api/leads/calls/", "/api/leads/", f"/api/leads/{lead.pk}/"):
            response = api.get(url, headers={"X-Api-Key": plaintext})
            assert response.status_code in (401, 403), url

    def test_staff_sessions_cannot_post_to_the_phone_system_endpoint(self, api_as, org):
        response = api_as(org.admin).post(
            "/api/leads/calls/ingest/",
            {
                "caller": "8001",
                "callee": "13800138000",
                "started_at": timezone.now().isoformat(),
                "duration_seconds": 5,
            },
        )
        assert response.status_code in (401, 403)
        assert not Call.objects.exists()

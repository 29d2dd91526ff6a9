"""The calling API: documented in the schema, and the session driven through it."""

from __future__ import annotations

import pytest

from calling.models import DialerLease
from leads.models import FollowUp
from leads.services import followups
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_session_the_events_and_recordings(api_as, org):
    schema = api_as(org.admin).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/calling/session/next/"]
    for action in ("dial", "save", "skip", "stop"):
        assert "post" in paths[f"/api/calling/session/{action}/"]
    events = paths["/api/calling/events/"]["post"]
    assert {p["name"] for p in events["parameters"]} >= {"X-Signature"}
    assert "EventRequest" in str(events["requestBody"]) or "Event" in str(events["requestBody"])
    recording = paths["/api/calling/calls/{id}/recording/"]["get"]
    assert {"200", "206", "404", "416"} <= set(recording["responses"])
    assert "audio/*" in recording["responses"]["206"]["content"]
    assert "get" in paths["/api/calling/playbacks/"]


def test_an_agent_works_the_session_through_the_api(api_as, org):
    followups.disposition_rules_install_defaults()
    first = LeadFactory(owner=org.agent_a1.user, team=org.team_a, grade="A")
    second = LeadFactory(owner=org.agent_a1.user, team=org.team_a, grade="B")
    api = api_as(org.agent_a1)
    lead = api.get("/api/calling/session/next/").json()["lead"]
    assert lead["id"] == first.pk and lead["section"] == "new"
    assert lead["phone"].count("*") == 4  # masked for an agent
    assert api.get("/api/calling/session/next/").json()["lead"]["id"] == first.pk
    dialed = api.post("/api/calling/session/dial/", {"lead": first.pk}, format="json").json()
    assert dialed["mode"] == "tel" and dialed["href"] == f"tel:{first.phone}"
    answer = api.post(
        "/api/calling/session/save/", {"lead": first.pk, "disposition": "reached"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["lead"]["id"] == second.pk
    assert FollowUp.objects.get(lead=first).disposition == "reached"
    refused = api.post(
        "/api/calling/session/skip/", {"lead": second.pk, "reason": ""}, format="json"
    )
    assert refused.status_code == 400 and "reason" in refused.json()
    skipped = api.post(
        "/api/calling/session/skip/", {"lead": second.pk, "reason": "busy line"}, format="json"
    )
    assert skipped.json() == {"lead": None}
    assert api.post("/api/calling/session/stop/").status_code == 204
    assert not DialerLease.objects.exists()


def test_a_lead_not_held_is_a_400_naming_the_lead(api_as, org):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    response = api_as(org.agent_a1).post(
        "/api/calling/session/save/", {"lead": lead.pk, "disposition": "reached"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["lead"]


def test_roles_that_do_not_dial_are_refused(api_as, org):
    assert api_as(org.inspector).get("/api/calling/session/next/").status_code == 403
    assert api_as(org.head).get("/api/calling/session/next/").status_code == 403

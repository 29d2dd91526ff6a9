"""The lead API: who sees which leads and follow-ups, the filters, entry and edits.

Given a center with three teams, when each role lists leads, then each sees exactly
their scope — an agent their own, a manager their team's, a head their subtree — and a
lead outside it answers 404 like one that does not exist.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import FollowUp, Lead, LeadSource, LeadStatus
from leads.services.followups import disposition_rules_install_defaults
from tests.leads.factories import FollowUpFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def disposition_rules(db):
    """The default rules, as the data migration installs them (a flushed test database
    has lost migration data)."""
    disposition_rules_install_defaults()


@pytest.fixture
def leads(org):
    """One lead per agent (in their team), one in team A's pool, one in the center's."""
    return {
        "a1": LeadFactory(owner=org.agent_a1.user, team=org.team_a, name="甲一"),
        "a2": LeadFactory(owner=org.agent_a2.user, team=org.team_a, name="甲二"),
        "b1": LeadFactory(owner=org.agent_b1.user, team=org.team_b, name="乙一"),
        "c1": LeadFactory(owner=org.agent_c1.user, team=org.team_c, name="丙一"),
        "pool_a": LeadFactory(team=org.team_a, name="甲池"),
        "center": LeadFactory(name="中心池"),
    }


def listed(client, url="/api/leads/", **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class TestWhoSeesWhat:
    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("agent_a1", {"a1"}),
            ("manager_a", {"a1", "a2", "pool_a"}),
            ("manager_c", {"c1"}),
            ("south_head", {"c1"}),
            ("head", {"a1", "a2", "b1", "c1", "pool_a"}),
            ("admin", {"a1", "a2", "b1", "c1", "pool_a", "center"}),
            ("inspector", {"a1", "a2", "b1", "c1", "pool_a", "center"}),
        ],
    )
    def test_the_lead_list_is_the_callers_scope(self, api_as, org, leads, role, expected):
        client = api_as(getattr(org, role))
        assert listed(client) == {leads[key].pk for key in expected}

    def test_a_lead_outside_the_scope_is_not_found(self, api_as, org, leads):
        client = api_as(org.agent_a1)
        assert client.get(f"/api/leads/{leads['a1'].pk}/").status_code == 200
        for key in ("a2", "b1", "pool_a"):
            assert client.get(f"/api/leads/{leads[key].pk}/").status_code == 404
            assert client.get(f"/api/leads/{leads[key].pk}/timeline/").status_code == 404
            assert client.patch(f"/api/leads/{leads[key].pk}/", {"name": "x"}).status_code == 404
        assert client.get("/api/leads/999999/").status_code == 404

    def test_follow_ups_and_calls_are_scoped_too(self, api_as, org, leads):
        mine = FollowUpFactory(lead=leads["a1"])
        theirs = FollowUpFactory(lead=leads["a2"])
        FollowUpFactory(lead=leads["b1"])
        assert listed(api_as(org.agent_a1), "/api/leads/followups/") == {mine.pk}
        assert listed(api_as(org.manager_a), "/api/leads/followups/") == {mine.pk, theirs.pk}
        response = api_as(org.agent_a1).get(f"/api/leads/followups/{theirs.pk}/")
        assert response.status_code == 404

    def test_anonymous_is_refused(self, api, leads):
        assert api.get("/api/leads/").status_code == 401


class TestLeadList:
    def test_phones_are_masked_and_the_number_is_revealed_on_request(self, api_as, org, leads):
        client = api_as(org.agent_a1)
        row = client.get("/api/leads/").json()["results"][0]
        assert row["phone_masked"].count("*") == 4 and "phone" not in row
        assert row["owner_name"] and row["team_name"] == org.team_a.name
        # Agents see even their own leads masked (the risk policy's default) ...
        detail = client.get(f"/api/leads/{leads['a1'].pk}/").json()
        assert detail["phone"] == leads["a1"].phone_masked
        # ... and reveal the number when they need it (logged, see tests/risk).
        revealed = client.post(f"/api/leads/{leads['a1'].pk}/reveal/", {}, format="json")
        assert revealed.json()["phone"] == leads["a1"].phone
        admin = api_as(org.admin).get(f"/api/leads/{leads['a1'].pk}/").json()
        assert admin["phone"] == leads["a1"].phone

    def test_filters(self, api_as, org, leads):
        client = api_as(org.admin)
        now = timezone.now()
        Lead.objects.filter(pk=leads["a1"].pk).update(
            status=LeadStatus.CONTACTED, grade="A", next_followup_at=now - dt.timedelta(hours=1)
        )
        Lead.objects.filter(pk=leads["b1"].pk).update(
            region="上海市", channel="web_form", next_followup_at=now + dt.timedelta(days=3)
        )
        assert listed(client, status="contacted") == {leads["a1"].pk}
        assert listed(client, status=["contacted", "new"]) == {r.pk for r in leads.values()}
        assert listed(client, grade="A") == {leads["a1"].pk}
        assert listed(client, channel="web_form") == {leads["b1"].pk}
        assert listed(client, owner=org.agent_a2.user.pk) == {leads["a2"].pk}
        assert listed(client, team=org.team_a.pk) == {leads[k].pk for k in ("a1", "a2", "pool_a")}
        assert listed(client, unowned="true") == {leads["pool_a"].pk, leads["center"].pk}
        assert listed(client, due="overdue") == {leads["a1"].pk}
        assert listed(client, due="upcoming") == {leads["b1"].pk}
        assert leads["a1"].pk not in listed(client, due="none")
        assert listed(client, q="乙") == {leads["b1"].pk}
        before = (now - dt.timedelta(days=1)).isoformat()
        assert listed(client, created_after=before) == {r.pk for r in leads.values()}
        assert listed(client, created_before=before) == set()

    @pytest.mark.parametrize(
        "written", ["13800138000", "138-0013-8000", "+86 138 0013 8000", "008613800138000"]
    )
    def test_search_by_exact_phone(self, api_as, org, written):
        lead = LeadFactory(owner=org.agent_a1.user, phone="+8613800138000")
        LeadFactory(owner=org.agent_a1.user, phone="+8613800138001")
        assert listed(api_as(org.agent_a1), q=written) == {lead.pk}
        assert listed(api_as(org.agent_a2), q=written) == set()

    def test_filters_never_widen_the_scope(self, api_as, org, leads):
        client = api_as(org.agent_a1)
        assert listed(client, owner=org.agent_b1.user.pk) == set()
        assert listed(client, team=org.team_b.pk) == set()

    def test_a_bad_filter_value_is_a_400_naming_the_field(self, api_as, org, leads):
        response = api_as(org.admin).get("/api/leads/", {"status": "nope"})
        assert response.status_code == 400 and "status" in response.json()

    def test_pages_without_counting(self, api_as, org):
        for _ in range(5):
            LeadFactory(owner=org.agent_a1.user)
        client = api_as(org.agent_a1)
        first = client.get("/api/leads/", {"page_size": 2}).json()
        assert len(first["results"]) == 2 and first["previous"] is None
        assert "count" not in first
        last = client.get("/api/leads/", {"page_size": 2, "page": 3}).json()
        assert len(last["results"]) == 1 and last["next"] is None and last["previous"]
        assert client.get("/api/leads/", {"page": 0}).status_code == 404

    @pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "admin"])
    def test_the_list_is_a_fixed_number_of_queries(self, api_as, org, role):
        client = api_as(getattr(org, role))

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/api/leads/").status_code == 200
            return len(queries)

        LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        few = count()
        for n in range(20):
            LeadFactory(owner=[org.agent_a1, org.agent_a2][n % 2].user, team=org.team_a)
            LeadFactory(team=org.team_a)
        assert count() == few


class TestEntryAndEdits:
    def test_an_agent_enters_a_lead_and_a_known_phone_is_a_duplicate(self, api_as, org):
        client = api_as(org.agent_a1)
        response = client.post(
            "/api/leads/", {"name": "新客户", "phone": "139 1234 5678", "budget": "5万"}
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["phone"] == "139****5678" and body["channel"] == "manual"  # masked
        assert Lead.objects.get(pk=body["id"]).phone == "+8613912345678"
        assert body["budget"] == "50000.00"
        again = client.post("/api/leads/", {"phone": "+86-139-1234-5678"})
        assert again.status_code == 200
        assert again.json()["duplicate_of"] == body["id"]
        assert Lead.objects.count() == 1
        assert LeadSource.objects.filter(is_duplicate=True).count() == 1

    def test_a_bad_phone_is_a_400_naming_the_field(self, api_as, org):
        response = api_as(org.agent_a1).post("/api/leads/", {"phone": "12"})
        assert response.status_code == 400 and "phone" in response.json()

    def test_an_inspector_reads_but_does_not_write(self, api_as, org, leads):
        client = api_as(org.inspector)
        assert client.post("/api/leads/", {"phone": "13912345678"}).status_code == 403
        assert client.patch(f"/api/leads/{leads['a1'].pk}/", {"name": "x"}).status_code == 403

    def test_the_owner_and_the_manager_edit_the_customer(self, api_as, org, leads):
        lead = leads["a1"]
        response = api_as(org.agent_a1).patch(f"/api/leads/{lead.pk}/", {"company": "某公司"})
        assert response.status_code == 200 and response.json()["company"] == "某公司"
        response = api_as(org.manager_a).patch(f"/api/leads/{lead.pk}/", {"region": "杭州"})
        assert response.status_code == 200
        lead.refresh_from_db()
        assert (lead.company, lead.region) == ("某公司", "杭州")

    def test_the_timeline(self, api_as, org, leads):
        lead = leads["a1"]
        FollowUpFactory(lead=lead, disposition="reached", notes="hello")
        LeadSource.objects.create(lead=lead, channel="web_form")
        response = api_as(org.agent_a1).get(f"/api/leads/{lead.pk}/timeline/")
        assert response.status_code == 200
        rows = response.json()
        rows = [row for row in rows if row["kind"] != "audit"]  # the trail: tests/risk
        assert [row["kind"] for row in rows] == ["source", "followup"]
        assert rows[1]["data"]["notes"] == "hello" and rows[1]["summary"].startswith("Reached")


class TestFollowUpApi:
    def test_an_agent_logs_a_follow_up_and_the_rule_applies(self, api_as, org, leads):
        lead = leads["a1"]
        when = (timezone.now() + dt.timedelta(days=1)).isoformat()
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {
                "lead": lead.pk,
                "channel": "phone",
                "disposition": "call_back",
                "next_followup_at": when,
                "call_duration_seconds": 40,
                "budget": "1-2万",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["call_duration_seconds"] == 40
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONTACTED and str(lead.budget) == "10000.00"

    def test_a_rule_refusal_is_a_400_naming_the_field(self, api_as, org, leads):
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {"lead": leads["a1"].pk, "channel": "phone", "disposition": "call_back"},
        )
        assert response.status_code == 400 and "next_followup_at" in response.json()

    def test_a_lead_outside_the_scope_is_unknown(self, api_as, org, leads):
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {"lead": leads["a2"].pk, "channel": "phone", "disposition": "reached"},
        )
        assert response.status_code == 400 and "lead" in response.json()
        assert not FollowUp.objects.exists()

    def test_follow_up_filters(self, api_as, org, leads):
        reached = FollowUpFactory(lead=leads["a1"], disposition="reached")
        FollowUpFactory(lead=leads["a1"], disposition="busy")
        other = FollowUpFactory(lead=leads["a2"], disposition="reached")
        client = api_as(org.manager_a)
        url = "/api/leads/followups/"
        assert listed(client, url, disposition="reached") == {reached.pk, other.pk}
        assert listed(client, url, lead=leads["a2"].pk) == {other.pk}
        assert listed(client, url, agent=org.agent_a1.user.pk, disposition="reached") == {
            reached.pk
        }

    def test_the_follow_up_list_is_a_fixed_number_of_queries(self, api_as, org, leads):
        client = api_as(org.manager_a)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/api/leads/followups/").status_code == 200
            return len(queries)

        FollowUpFactory(lead=leads["a1"])
        few = count()
        for _ in range(10):
            FollowUpFactory(lead=leads["a2"])
        assert count() == few


def test_the_schema_documents_the_lead_api(api_as, org):
    response = api_as(org.admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/leads/",
        "/api/leads/{id}/",
        "/api/leads/{id}/timeline/",
        "/api/leads/followups/",
        "/api/leads/calls/",
        "/api/leads/calls/ingest/",
    ):
        assert path in paths, path
    names = {p["name"] for p in paths["/api/leads/"]["get"]["parameters"]}
    assert {"status", "grade", "owner", "team", "due", "q", "created_after", "page"} <= names

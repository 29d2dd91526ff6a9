"""Managers' pages, the pool page and the pool/assignment API, always within scope."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from leads.models import Assignment, Lead, RoutingRule
from leads.services import assignment
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


class TestTeamPage:
    def test_manager_sees_the_teams_leads_and_loads_not_other_teams(self, org, client_as):
        LeadFactory(name="甲客户", owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(name="池中客户", team=org.team_a)
        LeadFactory(name="丙客户", owner=org.agent_c1.user, team=org.team_c)
        body = client_as(org.manager_a).get(reverse("leads:team")).content.decode()
        assert "甲客户" in body and "池中客户" in body and "丙客户" not in body
        assert org.agent_a1.display_name in body and org.agent_c1.display_name not in body
        assert "+8613" not in body  # phones are masked in lists

    def test_each_agents_load_row_and_the_agent_choices(self, org, client_as):
        from crm.models import MemberStatus

        LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        org.agent_a2.status = MemberStatus.ON_LEAVE
        org.agent_a2.save(update_fields=["status"])
        body = client_as(org.manager_a).get(reverse("leads:team")).content.decode()
        a1, a2 = org.agent_a1, org.agent_a2
        assert (
            f'<tr><td><a href="?agent={a1.user_id}">{a1.display_name}</a></td>'
            f'<td class="text-end">2</td>'
        ) in body
        assert f'<tr class="text-muted"><td><a href="?agent={a2.user_id}">' in body
        assert f'<span class="small">({a2.get_status_display()})</span>' in body
        # The filter's and the bulk bar's selects list the agents by name and username.
        label = f"{a1.user.get_full_name() or a1.user.username} ({a1.user.username})"
        assert body.count(f'<option value="{a1.user_id}">{label}</option>') == 2

    def test_agents_may_not_open_it(self, org, client_as):
        assert client_as(org.agent_a1).get(reverse("leads:team")).status_code == 403

    def test_filters_and_exact_phone_search(self, org, client_as):
        LeadFactory(name="王先生", phone="+8613800138000", owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(name="李女士", owner=org.agent_a2.user, team=org.team_a, grade="A")
        client = client_as(org.manager_a)
        body = client.get(reverse("leads:team"), {"q": "138 0013 8000"}).content.decode()
        assert "王先生" in body and "李女士" not in body
        body = client.get(reverse("leads:team"), {"grade": "A"}).content.decode()
        assert "李女士" in body and "王先生" not in body
        body = client.get(reverse("leads:team"), {"agent": org.agent_a1.user_id}).content.decode()
        assert "王先生" in body and "李女士" not in body

    def test_query_count_does_not_grow_with_the_page(
        self, org, client_as, django_assert_max_num_queries
    ):
        client = client_as(org.head)
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("leads:team"))
        LeadFactory.create_batch(40, owner=org.agent_b1.user, team=org.team_b)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(reverse("leads:team")).status_code == 200

    def test_bulk_reassign_from_the_page(self, org, client_as):
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        response = client_as(org.manager_a).post(
            reverse("leads:reassign"),
            {
                "lead_ids": [lead.pk for lead in leads],
                "agent": org.agent_a2.user_id,
                "reason": "balance",
            },
        )
        assert response.status_code == 302
        assert set(Lead.objects.values_list("owner", flat=True)) == {org.agent_a2.user_id}

    def test_bulk_reassign_of_another_teams_lead_is_refused(self, org, client_as):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        client_as(org.manager_a).post(
            reverse("leads:reassign"),
            {"lead_ids": [theirs.pk], "agent": org.agent_a2.user_id, "reason": "grab"},
        )
        assert Lead.objects.get(pk=theirs.pk).owner == org.agent_c1.user


class TestExport:
    def test_csv_holds_only_visible_leads_with_masked_phones(self, org, client_as):
        LeadFactory(name="甲客户", phone="+8613912340945", owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(name="丙客户", owner=org.agent_c1.user, team=org.team_c)
        response = client_as(org.manager_a).get(reverse("leads:export"), {"format": "csv"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 2
        assert rows[1][1] == "甲客户" and rows[1][2] == "139****0945"

    def test_xlsx_respects_the_filters(self, org, client_as):
        LeadFactory(name="甲客户", owner=org.agent_a1.user, team=org.team_a, grade="A")
        LeadFactory(name="乙客户", owner=org.agent_a1.user, team=org.team_a, grade="C")
        response = client_as(org.manager_a).get(
            reverse("leads:export"), {"format": "xlsx", "grade": "A"}
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert names == ["甲客户"]

    def test_too_many_rows_are_refused_with_a_message(self, org, client_as):
        from risk.models import RiskPolicy

        policy = RiskPolicy.current()  # the cap is the risk policy's (see tests/risk)
        policy.export_max_rows = 1
        policy.save()
        LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        response = client_as(org.manager_a).get(reverse("leads:export"), follow=True)
        assert "Narrow the filters" in response.content.decode()

    def test_agents_cannot_export(self, org, client_as):
        assert client_as(org.agent_a1).get(reverse("leads:export")).status_code == 403


class TestPoolPage:
    def test_agent_sees_allowance_and_claims_in_place(self, org, client_as):
        lead = LeadFactory(name="池中客户", team=org.team_a)
        client = client_as(org.agent_a1)
        body = client.get(reverse("leads:pool")).content.decode()
        assert "池中客户" in body and "claims left" in body
        response = client.post(reverse("leads:claim", args=[lead.pk]), HTTP_HX_REQUEST="true")
        assert "is yours now" in response.content.decode()
        assert Lead.objects.get(pk=lead.pk).owner == org.agent_a1.user
        again = client_as(org.agent_a2).post(
            reverse("leads:claim", args=[lead.pk]), HTTP_HX_REQUEST="true"
        )
        assert "someone else just claimed it" in again.content.decode()

    def test_release_needs_a_reason_and_goes_to_the_worklist(self, org, client_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        client = client_as(org.agent_a1)
        client.post(reverse("leads:release", args=[lead.pk]), {"reason": ""})
        assert Lead.objects.get(pk=lead.pk).owner == org.agent_a1.user
        response = client.post(reverse("leads:release", args=[lead.pk]), {"reason": "wrong"})
        assert response.status_code == 302 and response.url == "/leads/"
        assert Lead.objects.get(pk=lead.pk).owner is None

    def test_rules_page_is_for_admins(self, org, client_as):
        RoutingRule.objects.create(name="上海规则", region="上海", team=org.team_a)
        assert (
            "上海规则"
            in client_as(org.admin).get(reverse("leads:assignment_rules")).content.decode()
        )
        assert client_as(org.manager_a).get(reverse("leads:assignment_rules")).status_code == 403


class TestApi:
    def test_claim_and_release(self, org, api_as):
        lead = LeadFactory(team=org.team_a)
        api = api_as(org.agent_a1)
        response = api.post(f"/api/leads/{lead.pk}/claim/")
        assert response.status_code == 200 and response.json()["owner"] == org.agent_a1.user_id
        response = api.post(f"/api/leads/{lead.pk}/release/", {"reason": ""}, format="json")
        assert response.status_code == 400 and "reason" in response.json()
        response = api.post(f"/api/leads/{lead.pk}/release/", {"reason": "no"}, format="json")
        assert response.status_code == 200 and response.json()["owner"] is None
        response = api.post(f"/api/leads/{lead.pk}/claim/")
        assert response.status_code == 400 and "claim it back" in str(response.json())

    def test_another_teams_lead_is_404(self, org, api_as):
        theirs = LeadFactory(team=org.team_c)
        assert api_as(org.agent_a1).post(f"/api/leads/{theirs.pk}/claim/").status_code == 404
        owned = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        response = api_as(org.agent_a1).post(
            f"/api/leads/{owned.pk}/release/", {"reason": "x"}, format="json"
        )
        assert response.status_code == 404

    def test_pool_list_is_scoped_and_filtered(self, org, api_as):
        LeadFactory(team=org.team_a, grade="A")
        LeadFactory(team=org.team_a, grade="C")
        LeadFactory(team=org.team_c, grade="A")
        response = api_as(org.agent_a1).get("/api/leads/pool/", {"grade": "A"})
        assert response.status_code == 200 and response.json()["count"] == 1
        assert "phone" not in response.json()["results"][0]

    def test_bulk_assign_and_history(self, org, api_as):
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        api = api_as(org.manager_a)
        response = api.post(
            "/api/leads/assign/",
            {"lead_ids": [x.pk for x in leads], "agent": org.agent_a2.user_id, "reason": "r"},
            format="json",
        )
        assert response.status_code == 200 and response.json() == {"reassigned": 2}
        history = api.get("/api/leads/assignments/", {"lead": leads[0].pk}).json()
        assert history["count"] == 1 and history["results"][0]["kind"] == "manual"
        assert api_as(org.manager_c).get("/api/leads/assignments/").json()["count"] == 0
        response = api_as(org.agent_a1).post(
            "/api/leads/assign/",
            {"lead_ids": [leads[0].pk], "agent": org.agent_a1.user_id, "reason": "r"},
            format="json",
        )
        assert response.status_code == 403

    def test_bulk_assign_errors_name_the_field(self, org, api_as):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        response = api_as(org.manager_a).post(
            "/api/leads/assign/",
            {"lead_ids": [theirs.pk], "agent": org.agent_a2.user_id, "reason": "r"},
            format="json",
        )
        assert response.status_code == 400 and "lead_ids" in response.json()

    def test_run_queues_the_job(self, org, api_as, monkeypatch):
        queued = []
        monkeypatch.setattr(
            "leads.tasks.assign_pending_leads.delay_on_commit", lambda: queued.append(True)
        )
        assert api_as(org.agent_a1).post("/api/leads/assignments/run/").status_code == 403
        assert api_as(org.manager_a).post("/api/leads/assignments/run/").status_code == 202
        assert queued == [True]

    def test_history_explains_an_automatic_assignment(self, org, api_as):
        RoutingRule.objects.create(name="A", team=org.team_a)
        lead = LeadFactory()
        assignment.assign_pending_leads()
        row = api_as(org.manager_a).get("/api/leads/assignments/", {"lead": lead.pk}).json()
        assert row["results"][0]["rule_name"] == "A"
        assert "Least loaded" in row["results"][0]["reason"]
        assert Assignment.objects.filter(lead=lead).count() == 1

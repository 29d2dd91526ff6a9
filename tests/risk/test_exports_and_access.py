"""Export control (allowed by role, capped, logged; managers see their team's exports) and
access revocation (a member who leaves, or an account deactivated, loses sessions and
API tokens at once)."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm import services
from crm.models import MemberStatus
from risk.models import ExportRecord, RiskPolicy
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def download(response) -> str:
    return b"".join(response.streaming_content).decode()


def export_url(query="format=csv"):
    return reverse("leads:export") + "?" + query


class TestExports:
    def test_a_manager_exports_and_it_is_logged(self, org, client_as):
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        response = client_as(org.manager_a).get(export_url("format=csv&status=new"))
        assert response.status_code == 200
        assert download(response).count("\n") == 4  # header + 3 leads
        record = ExportRecord.objects.get()
        assert (record.user, record.kind, record.format) == (org.manager_a.user, "leads", "csv")
        assert (record.row_count, record.truncated) == (3, False)
        assert record.query == {"status": ["new"]}

    def test_rows_are_capped_by_the_policy(self, org, client_as):
        LeadFactory.create_batch(5, owner=org.agent_a1.user, team=org.team_a)
        policy = RiskPolicy.current()
        policy.export_max_rows = 2
        policy.save()
        response = client_as(org.manager_a).get(export_url())
        # The team export refuses a file that would be cut, and says why.
        assert response.status_code == 302
        assert not ExportRecord.objects.exists()

    def test_export_response_cuts_at_the_cap_and_records_it(self, org, rf):
        from crm.exports import export_response

        policy = RiskPolicy.current()
        policy.export_max_rows = 2
        policy.save()
        request = rf.get("/x/")
        request.user = org.admin.user
        response = export_response(
            request=request, kind="orders", stem="o", sheet_title="O", header=["n"],
            rows=([n] for n in range(5)), fmt="csv",
        )  # fmt: skip
        assert download(response).count("\n") == 3
        record = ExportRecord.objects.get()
        assert (record.kind, record.row_count, record.truncated) == ("orders", 2, True)

    def test_a_role_the_policy_does_not_name_may_not_export(self, org, client_as):
        policy = RiskPolicy.current()
        policy.export_roles = ["admin"]
        policy.save()
        client = client_as(org.manager_a)
        assert client.get(export_url()).status_code == 403
        assert "export-csv" not in client.get(reverse("leads:team")).content.decode()
        assert client_as(org.admin).get(export_url()).status_code == 200

    def test_the_orders_export_is_controlled_and_logged_the_same_way(self, org, client_as):
        from tests.orders.factories import take_order

        order = take_order(org.agent_a1)
        response = client_as(org.manager_a).get(reverse("orders:export") + "?format=csv")
        assert response.status_code == 200
        text = download(response)
        assert order.number in text and order.lead.phone not in text  # masked
        record = ExportRecord.objects.get()
        assert (record.kind, record.row_count) == ("orders", 1)
        policy = RiskPolicy.current()
        policy.export_roles = ["admin"]
        policy.save()
        assert client_as(org.manager_a).get(reverse("orders:export")).status_code == 403

    def test_agents_may_not(self, org, client_as):
        assert client_as(org.agent_a1).get(export_url()).status_code == 403
        assert not ExportRecord.objects.exists()


class TestTheExportLog:
    @pytest.fixture
    def records(self, org):
        return {
            who: ExportRecord.objects.create(
                user=member.user, kind="leads", format="csv", row_count=10
            )
            for who, member in (("a", org.manager_a), ("b", org.manager_b), ("admin", org.admin))
        }

    def test_a_manager_sees_their_own_team(self, org, client_as, records):
        page = client_as(org.manager_a).get(reverse("risk:exports"))
        assert list(page.context["page"]) == [records["a"]]

    def test_a_head_sees_their_subtree_and_an_admin_everyone(self, org, client_as, records):
        head = client_as(org.head).get(reverse("risk:exports")).context["page"]
        assert set(head) >= {records["a"], records["b"]}
        admin = client_as(org.admin).get(reverse("risk:exports")).context["page"]
        assert set(admin) == set(records.values())

    def test_agents_have_no_export_log(self, org, client_as):
        assert client_as(org.agent_a1).get(reverse("risk:exports")).status_code == 403

    def test_query_count_is_fixed(self, org, client_as, django_assert_num_queries):
        client = client_as(org.admin)
        for _n in range(3):
            ExportRecord.objects.create(user=org.manager_a.user, kind="leads", format="csv")
        client.get(reverse("risk:exports"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(reverse("risk:exports"))
        for _n in range(30):
            ExportRecord.objects.create(user=org.manager_b.user, kind="leads", format="xlsx")
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("risk:exports"))
        assert len(few) == len(many)


class TestALeaverLosesAccessAtOnce:
    def test_token_and_session_end_when_the_member_leaves(self, org):
        agent = org.agent_a1
        token = Token.objects.create(user=agent.user)
        browser = Client()
        browser.force_login(agent.user)
        assert browser.get(reverse("leads:worklist")).status_code == 200
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        assert api.get("/api/leads/").status_code == 200
        session_key = browser.session.session_key

        services.member_set_status(
            member=agent, status=MemberStatus.LEFT, by=org.admin.user,
            leave_date=timezone.localdate(), leave_reason="resigned",
        )  # fmt: skip

        assert api.get("/api/leads/").status_code == 401
        assert not Token.objects.filter(user=agent.user).exists()
        assert not Session.objects.filter(session_key=session_key).exists()
        assert browser.get(reverse("leads:worklist")).status_code == 302  # to the sign-in

    def test_other_peoples_sessions_stay(self, org):
        other = Client()
        other.force_login(org.agent_a2.user)
        org.agent_a1.user.is_active = False
        org.agent_a1.user.save()
        assert other.get(reverse("leads:worklist")).status_code == 200

    def test_deactivating_an_account_anywhere_revokes_it(self, org):
        user = org.agent_b1.user
        token = Token.objects.create(user=user)
        browser = Client()
        browser.force_login(user)
        user.is_active = False
        user.save()  # e.g. the admin's "active" checkbox
        assert not Token.objects.filter(pk=token.pk).exists()
        assert not Session.objects.filter(session_key=browser.session.session_key).exists()

"""The audit trail: one mechanism (a registry of models, model signals, the actor from
the request or `acting_as`) keeps every create/change/delete of leads, assignments, the
do-not-call list, org membership, orders and order lines; bulk jobs write one entry each;
entries cannot be changed from the product; a lead's entries are on its timeline; admins
search them."""

import csv
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from crm import services as org_services
from leads.models import Assignment, Lead
from leads.services import assignment, capture, importing, pool
from risk import audit
from risk.audit import acting_as
from risk.models import AuditEntry
from risk.services import do_not_call_add
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def entries(label: str, **filters):
    return AuditEntry.objects.filter(model_label=label, **filters).order_by("at", "id")


class TestEachKindOfChange:
    def test_a_lead_created_through_the_api_names_its_author(self, org, api_as):
        response = api_as(org.agent_a1).post(
            "/api/leads/", {"phone": "13912340009", "name": "新客户"}, format="json"
        )
        assert response.status_code == 201
        entry = entries("leads.lead", action="create").get()
        assert entry.actor == org.agent_a1.user and entry.actor_label == "agent_a1"
        assert entry.after["name"] == "新客户"
        assert entry.after["phone"] == "139****0009"  # never a full number in the trail
        assert entry.object_repr == "新客户"
        assert entry.request_id and entry.ip == "127.0.0.1"

    def test_a_token_caller_is_the_actor_too(self, org):
        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        token = Token.objects.create(user=org.agent_a1.user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_REQUEST_ID="req-42")
        client.post("/api/leads/", {"phone": "13912340010"}, format="json")
        entry = entries("leads.lead", action="create").get()
        assert (entry.actor, entry.request_id) == (org.agent_a1.user, "req-42")

    def test_a_change_keeps_only_the_changed_fields_before_and_after(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, company="旧")
        with acting_as(org.manager_a.user):
            capture.lead_update(lead=lead, by=org.manager_a.user, company="新")
        entry = entries("leads.lead", action="update").get()
        assert entry.before["company"] == "旧" and entry.after["company"] == "新"
        assert "name" not in entry.after
        assert entry.actor == org.manager_a.user

    def test_a_row_read_under_lock_is_not_read_again(self, org, django_assert_num_queries):
        """`stored_as_read`: the values the locked read brought are the "before" values."""
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, company="旧")
        with transaction.atomic():
            locked = Lead.objects.select_for_update().get(pk=lead.pk)
            audit.stored_as_read(locked)
            locked.company = "新"
            with django_assert_num_queries(2):  # the UPDATE and the entry
                locked.save(update_fields=["company", "updated_at"])
            locked.company = "更新"
            with django_assert_num_queries(3):  # only once: this save reads the row again
                locked.save(update_fields=["company", "updated_at"])
        first, second = entries("leads.lead", action="update").order_by("pk")
        assert (first.before["company"], first.after["company"]) == ("旧", "新")
        assert (second.before["company"], second.after["company"]) == ("新", "更新")

    def test_saving_without_a_change_writes_nothing(self, org):
        lead = LeadFactory()
        AuditEntry.objects.all().delete()
        lead.save()
        assert not AuditEntry.objects.exists()

    def test_a_delete(self, db):
        lead = LeadFactory(name="要删的")
        pk = lead.pk
        lead.delete()
        entry = entries("leads.lead", action="delete").get()
        assert entry.object_id == str(pk) and entry.before["name"] == "要删的"

    def test_a_rolled_back_change_leaves_no_entry(self, db):
        before = AuditEntry.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            LeadFactory()
            raise RuntimeError
        assert AuditEntry.objects.count() == before

    def test_the_unnamed_lead_is_named_by_its_masked_number(self, db):
        LeadFactory(name="", phone="+8613912340011")
        assert entries("leads.lead").get().object_repr == "139****0011"

    def test_an_assignment_and_a_claim(self, org):
        lead = LeadFactory(team=org.team_a)
        with acting_as(org.manager_a.user):
            assignment.lead_assign(lead=lead, agent=org.agent_a1.user, by=org.manager_a.user)
        created = entries("leads.assignment", action="create").get()
        assert created.after["to_user_id"] == org.agent_a1.user_id
        owner_change = entries("leads.lead", action="update", object_id=str(lead.pk)).last()
        assert owner_change.after["owner_id"] == org.agent_a1.user_id
        pooled = LeadFactory(team=org.team_a)
        pool.lead_claim(lead_id=pooled.pk, user=org.agent_a2.user)
        assert entries("leads.assignment", object_id__isnull=False).count() == 2

    def test_the_do_not_call_list(self, org):
        with acting_as(org.admin.user):
            do_not_call_add(phone="13600136000", reason="投诉")
        entry = entries("risk.donotcall", action="create").get()
        assert entry.after["phone"] == "136****6000" and entry.actor == org.admin.user

    def test_org_membership(self, org):
        with acting_as(org.admin.user):
            org_services.member_move(member=org.agent_a1, team=org.team_b, by=org.admin.user)
        assert entries("crm.member", action="update", object_id=str(org.agent_a1.pk)).exists()
        assert entries("crm.teammembership", action="create").exists()
        assert entries("crm.teammembership", action="update").exists()  # the old one ended

    def test_orders_and_their_lines(self, org):
        from tests.orders.factories import take_order

        order = take_order(org.agent_a1, quantity=2)
        trail = entries("orders.order", object_id=str(order.pk))
        assert trail.filter(action="create").exists()
        # The lines are written in bulk: the order's entries carry their snapshot.
        with_lines = [entry for entry in trail if entry.after.get("lines")]
        assert with_lines and with_lines[-1].after["lines"][0]["quantity"] == 2
        line = order.lines.get()
        line.quantity = 3
        line.save()
        assert entries("orders.orderline", action="update", object_id=str(line.pk)).exists()

    def test_service_tickets_and_revisits(self, org):
        from tests.aftersales.factories import RevisitFactory, TicketFactory

        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with acting_as(org.agent_a1.user):
            ticket = TicketFactory(lead=lead)
            ticket.subject = "改了"
            ticket.save()
            revisit = RevisitFactory(order__lead=lead)
        assert entries("aftersales.serviceticket", object_id=str(ticket.pk)).count() == 2
        assert entries("aftersales.serviceticket", action="update").get().after == {
            "subject": "改了"
        }
        assert entries("aftersales.revisit", object_id=str(revisit.pk), action="create").exists()

    def test_every_model_of_the_registry_that_exists_is_tracked(self):
        tracked = set(audit.tracked_models())
        for label in audit.DEFAULT_TRACKED:
            try:
                model = apps.get_model(label)
            except LookupError:
                continue  # not built yet (after-sales, scorecards): registered once it is
            assert model._meta.label_lower in tracked


class TestBulkJobs:
    def test_the_assignment_job_is_one_entry_not_one_per_lead(self, org):
        from leads.models import RoutingRule

        RoutingRule.objects.create(name="A", team=org.team_a, order=1)
        LeadFactory.create_batch(5)
        AuditEntry.objects.all().delete()
        assert assignment.assign_pending_leads() == 5
        entry = AuditEntry.objects.get()  # the per-lead facts are the Assignment rows
        assert (entry.action, entry.model_label) == ("bulk", "leads.assignment")
        assert entry.after["leads"] == 5 and entry.actor is None  # the system did it

    def test_a_manager_reassigning_a_selection_is_kept_per_lead(self, org):
        leads = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        AuditEntry.objects.all().delete()
        with acting_as(org.manager_a.user):
            assignment.leads_reassign(
                lead_ids=[lead.pk for lead in leads], agent=org.agent_a2.user,
                by=org.manager_a.user, reason="调整",
            )  # fmt: skip
        # Set-based (leads.services.bulk): each lead's change of hands is its own update
        # entry and its own `Assignment` row; the rows' insertion is one bulk entry.
        assert entries("leads.lead", action="update", actor=org.manager_a.user).count() == 3
        assert Assignment.objects.filter(kind="manual").count() == 3
        bulk = entries("leads.assignment", action="bulk").get()
        assert bulk.after["leads"] == 3 and bulk.actor == org.manager_a.user

    def test_an_import_is_one_entry(self, org, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        out = io.StringIO()
        csv.writer(out).writerows([["姓名", "手机"], ["甲", "13800138001"], ["乙", "13800138002"]])
        job = importing.import_job_create(
            file=SimpleUploadedFile("a.csv", out.getvalue().encode()),
            by=org.manager_a.user,
            start=False,
        )
        importing.import_job_run(job_id=job.pk)
        assert Lead.objects.count() == 2
        assert not entries("leads.lead", action="create").exists()
        entry = entries("leads.lead", action="bulk").get()
        assert entry.after["created"] == 2 and entry.actor == org.manager_a.user


class TestEntriesCannotBeChanged:
    def test_the_admin_is_read_only(self, org, rf):
        model_admin = admin.site._registry[AuditEntry]
        request = rf.get("/")
        request.user = org.admin.user
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)

    def test_there_is_no_api_for_writing_them(self, org, api_as):
        # The API reads the trail (tests/risk/test_risk_api.py) and writes nothing.
        client = api_as(org.admin)
        assert client.post("/api/risk/audit/", {}, format="json").status_code == 405
        entry = AuditEntry.objects.create(action="create", model_label="x.y", object_id="1")
        for method in (client.put, client.patch, client.delete):
            assert method(f"/api/risk/audit/{entry.pk}/", {}).status_code == 405
        assert AuditEntry.objects.get(pk=entry.pk).model_label == "x.y"


class TestOnTheTimelineAndSearched:
    def test_the_lead_page_and_api_timeline_show_the_trail(self, org, client_as, api_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, company="旧")
        with acting_as(org.agent_a1.user):
            capture.lead_update(lead=lead, by=org.agent_a1.user, company="新")
        page = client_as(org.agent_a1).get(reverse("leads:detail", args=[lead.pk]))
        assert 'data-kind="audit"' in page.content.decode()
        timeline = api_as(org.agent_a1).get(f"/api/leads/{lead.pk}/timeline/").json()
        audit_rows = [row for row in timeline if row["kind"] == "audit"]
        assert any(row["data"]["changes"].get("company") == ["旧", "新"] for row in audit_rows)

    def test_admins_search_by_who_model_id_and_date(self, org, client_as):
        lead = LeadFactory()
        with acting_as(org.manager_a.user):
            capture.lead_update(lead=lead, by=org.manager_a.user, company="某")
        client = client_as(org.admin)
        found = client.get(
            reverse("risk:audit"),
            {"actor": "manager_a", "model": "leads.lead", "object_id": lead.pk, "action": "update"},
        ).context["page"]
        assert [entry.object_id for entry in found] == [str(lead.pk)]
        none = client.get(reverse("risk:audit"), {"since": "2999-01-01"}).context["page"]
        assert list(none) == []

    def test_only_admins_search(self, org, client_as):
        for member in (org.head, org.manager_a, org.agent_a1, org.inspector):
            assert client_as(member).get(reverse("risk:audit")).status_code == 403

    def test_the_search_page_has_a_fixed_query_count(self, org, client_as):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_as(org.admin)
        LeadFactory.create_batch(3)
        client.get(reverse("risk:audit"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("risk:audit"))
        LeadFactory.create_batch(40)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("risk:audit"))
        assert len(few) == len(many)

"""Do-not-call (免打扰名单) holds at every door: the follow-up disposition puts a number on
the list and closes its lead; a listed number cannot come back in by the form, the API,
the inbound API, a file import (in-process or on a real worker); it cannot be phoned or
called; and every refusal is counted for the risk dashboard."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from leads.inbound_auth import inbound_key_issue
from leads.models import Call, Channel, ImportJob, ImportRow, Lead, LeadStatus
from leads.services import followups, importing
from leads.tasks import import_job_run
from risk.models import DoNotCall, RiskEvent
from risk.services import do_not_call_add
from tests.leads.factories import DoNotCallFactory, LeadFactory

pytestmark = pytest.mark.django_db

NUMBER = "+8613600136000"


def csv_file(rows, name="leads.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode())


class TestTheAgentsDisposition:
    def test_asked_not_to_be_called_lists_the_number_and_closes_the_lead(self, org, api_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=NUMBER)
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {"lead": lead.pk, "channel": "phone", "disposition": "do_not_call"},
            format="json",
        )
        assert response.status_code == 201, response.content
        entry = DoNotCall.objects.get(phone=NUMBER)
        assert entry.source == DoNotCall.Source.CUSTOMER  # added by the agent, for the customer
        assert entry.added_by == org.agent_a1.user
        lead.refresh_from_db()
        assert lead.status == LeadStatus.LOST
        assert lead.closed_reason


class TestAddingANumberClosesItsLeads:
    def test_by_an_admin_on_the_page(self, org, client_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=NUMBER)
        response = client_as(org.admin).post(
            reverse("leads:dnc_list"), {"phone": "136 0013 6000", "reason": "投诉"}
        )
        assert response.status_code == 302
        lead.refresh_from_db()
        assert lead.status == LeadStatus.LOST
        assert lead.closed_reason == "do-not-call: 投诉"

    def test_by_an_imported_list(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=NUMBER)
        out = io.StringIO()
        csv.writer(out).writerows([["电话", "原因"], ["13600136000", "监管名单"]])
        job = importing.import_job_create(
            file=SimpleUploadedFile("dnc.csv", out.getvalue().encode()),
            by=org.admin.user,
            kind=ImportJob.Kind.DNC,
            start=False,
        )
        importing.import_job_run(job_id=job.pk)
        lead.refresh_from_db()
        assert lead.status == LeadStatus.LOST
        assert DoNotCall.objects.filter(phone=NUMBER, source=DoNotCall.Source.IMPORT).exists()

    def test_closed_leads_leave_the_worklist_and_the_pool(self, org, client_as):
        mine = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=NUMBER)
        pooled = LeadFactory(team=org.team_a, phone="+8613600136001")
        do_not_call_add(phone=mine.phone, reason="投诉")
        do_not_call_add(phone=pooled.phone, reason="投诉")
        client = client_as(org.agent_a1)
        worklist = client.get(reverse("leads:worklist")).content.decode()
        pool = client.get(reverse("leads:pool")).content.decode()
        assert f'data-lead="{mine.pk}"' not in worklist
        assert str(pooled.pk) not in pool or "136****6001" not in pool


class TestAListedNumberCannotComeBackIn:
    @pytest.fixture(autouse=True)
    def listed(self, db):
        do_not_call_add(phone=NUMBER, reason="投诉")

    def test_the_entry_form(self, org, client_as):
        response = client_as(org.agent_a1).post(
            reverse("leads:create"),
            {"phone": "13600136000", "name": "某人", "channel": "manual", "intent": "unknown"},
        )
        errors = response.context["form"].errors
        assert "phone" in errors, errors
        assert not Lead.objects.filter(phone=NUMBER).exists()
        assert RiskEvent.objects.filter(kind="dnc_capture", user=org.agent_a1.user).count() == 1

    def test_the_lead_api(self, org, api_as):
        response = api_as(org.agent_a1).post("/api/leads/", {"phone": "13600136000"}, format="json")
        assert response.status_code == 400 and "phone" in response.json()
        assert not Lead.objects.filter(phone=NUMBER).exists()

    def test_the_inbound_api(self, db):
        _key, plaintext = inbound_key_issue(name="官网", channel=Channel.WEB_FORM)
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=plaintext)
        response = client.post(
            "/api/leads/inbound/", {"phone": "0086 136 0013 6000"}, format="json"
        )
        assert response.status_code == 400 and "phone" in response.json()
        assert not Lead.objects.filter(phone=NUMBER).exists()
        event = RiskEvent.objects.get(kind="dnc_capture")
        assert event.channel == Channel.WEB_FORM and event.phone_masked == "136****6000"

    def test_a_file_import(self, org):
        job = importing.import_job_create(
            file=csv_file([["甲", "13600136000"], ["乙", "13800138000"]]),
            by=org.manager_a.user,
            start=False,
        )
        importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.created_count, job.rejected_count) == (1, 1)
        row = ImportRow.objects.get(job=job)
        assert row.field == "phone" and "投诉" in row.reason
        assert not Lead.objects.filter(phone=NUMBER).exists()
        assert RiskEvent.objects.get(kind="dnc_capture", channel="import").count == 1

    def test_editing_a_lead_to_the_number(self, org, api_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        response = api_as(org.agent_a1).patch(
            f"/api/leads/{lead.pk}/", {"phone": "13600136000"}, format="json"
        )
        assert response.status_code == 400 and "phone" in response.json()


def test_a_background_import_on_a_worker_refuses_the_number(org, celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    do_not_call_add(phone=NUMBER, reason="投诉")
    job = importing.import_job_create(
        file=csv_file([["甲", "13600136000"], ["乙", "13800138001"]]),
        by=org.manager_a.user,
        start=False,
    )
    import_job_run.delay(job.pk).get(timeout=30)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert not Lead.objects.filter(phone=NUMBER).exists()


class TestAListedNumberCannotBeCalled:
    @pytest.fixture
    def lead(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=NUMBER)
        DoNotCallFactory(phone=NUMBER)  # listed without closing (e.g. straight into the table)
        return lead

    def test_no_phone_follow_up(self, org, api_as, lead):
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {"lead": lead.pk, "channel": "phone", "disposition": "reached"},
            format="json",
        )
        assert response.status_code == 400
        assert "channel" in response.json()
        assert RiskEvent.objects.filter(kind="dnc_contact", lead=lead).count() == 1

    def test_an_email_follow_up_is_fine(self, org, lead):
        followups.followup_log(
            lead=lead, agent=org.agent_a1.user, channel="email", disposition="reached"
        )

    def test_no_outbound_call_logged(self, org, api_as, lead):
        response = api_as(org.agent_a1).post(
            "/api/leads/calls/",
            {"lead": lead.pk, "started_at": "2026-01-05T10:00:00+08:00", "duration_seconds": 30},
            format="json",
        )
        assert response.status_code == 400 and "direction" in response.json()
        assert not Call.objects.exists()

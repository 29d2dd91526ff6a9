"""The data basis at capture (PIPL point 1): each lead records how its data came — the
channel, the campaign, the lawful basis, the notice shown (text and version) and when —
whatever the door (form, API, inbound API, import), and shows it on the lead page and
in the export.

Given an administrator who set the center's notice (version 2026-11) and a web form's
own, when leads come in by each door, then each capture records the notice in force for
its channel, or the one its sender names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from leads.inbound_auth import inbound_key_issue
from leads.models import (
    Channel,
    ConsentNotice,
    ImportJob,
    LawfulBasis,
    Lead,
    LeadPolicy,
    LeadSource,
)
from leads.services import capture, importing
from tests.leads.factories import CampaignFactory

pytestmark = pytest.mark.django_db

CENTER_TEXT = "您的信息将用于产品咨询回访，可随时要求删除。"
FORM_TEXT = "提交即同意我们致电介绍产品（官网表单）。"


@pytest.fixture
def notices(db):
    LeadPolicy.current()
    center = ConsentNotice.objects.create(version="2026-11", text=CENTER_TEXT)
    old = ConsentNotice.objects.create(
        version="2025-01",
        text="旧版",
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    form = ConsentNotice.objects.create(
        version="web-3", text=FORM_TEXT, channel=Channel.WEB_FORM, basis=LawfulBasis.CONSENT
    )
    return center, old, form


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def source_of(lead: Lead) -> LeadSource:
    return lead.sources.select_related("notice").get(is_duplicate=False)


class TestEveryDoorRecordsIt:
    def test_the_entry_form_records_the_center_notice(self, org, client_as, notices):
        center, _old, _form = notices
        response = client_as(org.agent_a1).post(
            "/leads/new/",
            {"phone": "138 0013 8000", "name": "李四", "intent": "unknown", "channel": "manual"},
        )
        assert response.status_code == 302
        source = source_of(Lead.objects.get())
        assert (source.channel, source.basis, source.notice) == ("manual", "consent", center)
        assert source.received_at is not None

    def test_a_channel_with_a_notice_of_its_own_records_that_one(self, org, notices):
        _center, _old, form = notices
        result = capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.WEB_FORM)
        assert source_of(result.lead).notice == form

    def test_an_inactive_notice_is_not_applied(self, org, notices):
        center, _old, _form = notices
        center.is_active = False
        center.save()
        result = capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.MANUAL)
        assert source_of(result.lead).notice.version == "2025-01"

    def test_without_any_notice_nothing_is_invented(self, org):
        result = capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.MANUAL)
        source = source_of(result.lead)
        assert (source.basis, source.notice) == ("", None)

    def test_a_duplicate_capture_records_its_own(self, org, notices):
        center, _old, form = notices
        first = capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.MANUAL)
        capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.WEB_FORM)
        again = first.lead.sources.get(is_duplicate=True)
        assert (source_of(first.lead).notice, again.notice) == (center, form)

    def test_the_inbound_api_may_name_the_notice_its_form_showed(self, org, notices):
        campaign = CampaignFactory(channel=Channel.ADVERTISING)
        _key, plaintext = inbound_key_issue(
            name="落地页", channel=Channel.WEB_FORM, campaign=campaign
        )
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=plaintext)
        consented = "2026-11-20T09:30:00+08:00"
        response = client.post(
            "/api/leads/inbound/",
            {
                "phone": "13800138000",
                "notice_version": "lp-7",
                "notice_text": "落地页授权书第7版",
                "consented_at": consented,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        source = source_of(Lead.objects.get())
        assert (source.channel, source.campaign) == (Channel.WEB_FORM, campaign)
        assert (source.notice.version, source.notice.text) == ("lp-7", "落地页授权书第7版")
        assert source.basis == LawfulBasis.CONSENT
        assert source.consented_at == dt.datetime.fromisoformat(consented)
        # Recorded, but applied to nobody else's captures.
        assert not source.notice.is_active
        other = capture.lead_capture(data={"phone": "13900139000"}, channel=Channel.WEB_FORM)
        assert source_of(other.lead).notice.version == "web-3"

        # The same version with other words is refused, naming the field.
        response = client.post(
            "/api/leads/inbound/",
            {"phone": "13700137000", "notice_version": "lp-7", "notice_text": "别的文字"},
            format="json",
        )
        assert response.status_code == 400
        assert "notice_version" in response.json()
        assert not Lead.objects.filter(phone="+8613700137000").exists()

    @pytest.mark.parametrize(
        ("stated", "field"),
        [
            ({"basis": "because"}, "basis"),
            ({"notice_version": "v9"}, "notice_text"),
            ({"notice_text": "只有文字"}, "notice_version"),
            ({"consented_at": "2099-01-01T00:00:00Z"}, "consented_at"),
        ],
    )
    def test_the_lead_api_refuses_a_basis_it_cannot_record(self, org, api_as, stated, field):
        response = api_as(org.agent_a1).post(
            "/api/leads/", {"phone": "13800138000", **stated}, format="json"
        )
        assert response.status_code == 400
        assert field in response.json()
        assert not Lead.objects.exists()
        assert not ConsentNotice.objects.exists()

    def test_the_lead_api_records_a_stated_basis_and_shows_it(self, org, api_as, notices):
        client = api_as(org.agent_a1)
        response = client.post(
            "/api/leads/", {"phone": "13800138000", "basis": "contract"}, format="json"
        )
        assert response.status_code == 201, response.json()
        shown = response.json()["data_basis"]  # the lead as the API shows it
        assert shown["channel"] == "manual"
        assert (shown["basis"], shown["notice_version"]) == ("contract", "2026-11")
        assert shown["notice_text"] == CENTER_TEXT

    def test_an_import_records_the_notice_in_force_at_upload(self, org, notices):
        center, _old, _form = notices
        content = "姓名,手机\n张三,13800138000\n李四,13900139000\n".encode()
        job = importing.import_job_create(
            file=SimpleUploadedFile("a.csv", content), by=org.manager_a.user, start=False
        )
        center.is_active = False  # changed after the upload: the rows keep what was in force
        center.save()
        importing.import_job_run(job_id=job.pk)
        sources = LeadSource.objects.filter(import_job=job)
        assert sources.count() == 2
        assert {(s.channel, s.basis, s.notice_id) for s in sources} == {
            ("import", "consent", center.pk)
        }

    def test_the_import_api_may_name_its_own_notice(self, org, api_as, notices):
        response = api_as(org.manager_a).post(
            "/api/leads/imports/",
            {
                "file": SimpleUploadedFile("a.csv", "手机\n13800138000\n".encode()),
                "basis": "public",
                "notice_version": "展会-2026",
                "notice_text": "展会名片：公开的联系方式",
            },
            format="multipart",
        )
        assert response.status_code == 201, response.json()
        assert (response.json()["basis"], response.json()["notice_version"]) == (
            "public",
            "展会-2026",
        )
        job = ImportJob.objects.get()
        assert (job.basis, job.notice.version) == ("public", "展会-2026")
        importing.import_job_run(job_id=job.pk)
        source = source_of(Lead.objects.get())
        assert (source.basis, source.notice.version) == ("public", "展会-2026")


class TestShown:
    def test_the_lead_page_has_a_data_basis_box(self, org, client_as, notices):
        lead = capture.lead_capture(
            data={"phone": "13800138000"}, channel=Channel.MANUAL, by=org.agent_a1.user
        ).lead
        Lead.objects.filter(pk=lead.pk).update(
            owner=org.agent_a1.user, team=org.team_a, assigned_at=timezone.now()
        )
        body = client_as(org.agent_a1).get(reverse("leads:detail", args=[lead.pk])).content
        box = body.decode().split('id="data-basis"', 1)[1].split("</div></div>", 1)[0]
        assert "2026-11" in box and CENTER_TEXT in box
        assert "consent of the person" in box or "个人同意" in box

    def test_the_export_has_the_data_basis_columns(self, org, client_as, notices):
        lead = capture.lead_capture(
            data={"phone": "13800138000", "name": "甲客户"},
            channel=Channel.WEB_FORM,
            stated_basis={"consented_at": timezone.now() - dt.timedelta(hours=1)},
        ).lead
        Lead.objects.filter(pk=lead.pk).update(
            owner=org.agent_a1.user, team=org.team_a, assigned_at=timezone.now()
        )
        response = client_as(org.manager_a).get(
            reverse("leads:export"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        header, row = list(csv.reader(io.StringIO(text)))
        got = dict(zip(header, row, strict=True))
        assert got["Notice version"] == "web-3"
        assert got["Lawful basis"] == "consent of the person"
        assert got["Consent given at"] and got["Received at"]


def test_the_import_page_may_name_the_notice_people_saw(org, client_as, notices):
    _center, old, _form = notices
    response = client_as(org.manager_a).post(
        "/leads/imports/new/",
        {
            "file": SimpleUploadedFile("a.csv", "手机\n13800138000\n".encode()),
            "kind": "leads",
            "channel": "import",
            "notice": old.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    job = ImportJob.objects.get()
    assert (job.notice, job.basis) == (old, "consent")

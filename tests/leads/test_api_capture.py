"""The capture API: imports (upload, status, report), the do-not-call list, and the inbound
endpoint web forms post to with an API key."""

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from crm.models import MemberStatus
from leads.inbound_auth import InboundKeyThrottle, inbound_key_deactivate, inbound_key_issue
from leads.models import Channel, ImportJob, Lead, LeadPolicy
from leads.services import capture, importing
from risk.models import DoNotCall
from risk.services import do_not_call_add
from tests.factories import make_member
from tests.leads.factories import CampaignFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_file(rows, header=("姓名", "手机"), name="leads.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode())


ROWS = [["张三", "13800138000"], ["李四", "12345"], ["张三", "138 0013 8000"]]


class TestImports:
    def test_upload_then_read_the_status_and_report(self, api_as, org):
        api = api_as(org.manager_a)
        response = api.post("/api/leads/imports/", {"file": csv_file(ROWS)}, format="multipart")
        assert response.status_code == 201, response.json()
        job_id = response.json()["id"]
        assert response.json()["status"] == "pending"
        importing.import_job_run(job_id=job_id)
        body = api.get(f"/api/leads/imports/{job_id}/").json()
        assert body["status"] == "done" and body["progress"] == 100
        assert (body["created"], body["duplicates"], body["rejected"]) == (1, 1, 1)
        assert [(r["row_number"], r["outcome"], r["field"]) for r in body["rows"]] == [
            (3, "rejected", "phone"),
            (4, "duplicate", "phone"),
        ]
        rows = api.get(f"/api/leads/imports/{job_id}/rows/?outcome=rejected").json()
        assert rows["count"] == 1 and rows["results"][0]["row_number"] == 3
        listed = api.get("/api/leads/imports/").json()
        assert [job["id"] for job in listed["results"]] == [job_id]
        assert "rows" not in listed["results"][0]

    def test_mapping_channel_and_campaign(self, api_as, org):
        campaign = CampaignFactory()
        response = api_as(org.admin).post(
            "/api/leads/imports/",
            {
                "file": csv_file([["13800138000", "王"]], header=("号码A", "称谓")),
                "channel": "market_list",
                "campaign": campaign.pk,
                "mapping": '{"0": "phone", "称谓": "name"}',
            },
            format="multipart",
        )
        assert response.status_code == 201, response.json()
        importing.import_job_run(job_id=response.json()["id"])
        lead = Lead.objects.get()
        assert (lead.name, lead.channel, lead.campaign) == ("王", "market_list", campaign)

    def test_errors_name_the_field(self, api_as, org):
        api = api_as(org.manager_a)
        response = api.post(
            "/api/leads/imports/", {"file": csv_file(ROWS, name="a.xlsx")}, format="multipart"
        )
        assert response.status_code == 400 and ".xlsx" in response.json()["file"][0]
        response = api.post(
            "/api/leads/imports/", {"file": csv_file(ROWS), "mapping": "{oops"}, format="multipart"
        )
        assert response.status_code == 400 and "mapping" in response.json()
        response = api.post("/api/leads/imports/", {}, format="multipart")
        assert response.status_code == 400 and "file" in response.json()

    def test_an_agent_imports_leads_that_become_theirs(self, api_as, org):
        capture.scoring_rules_install_defaults()  # when a flushing test removed them
        api = api_as(org.agent_a1)
        response = api.post("/api/leads/imports/", {"file": csv_file(ROWS)}, format="multipart")
        assert response.status_code == 201, response.json()
        job_id = response.json()["id"]
        importing.import_job_run(job_id=job_id)
        body = api.get(f"/api/leads/imports/{job_id}/").json()
        assert (body["created"], body["duplicates"], body["rejected"]) == (1, 1, 1)
        assert body["created_by"] == org.agent_a1.user.username
        lead = Lead.objects.get(phone="+8613800138000")
        assert (lead.owner, lead.team) == (org.agent_a1.user, org.team_a)
        mine = api.get("/api/leads/").json()["results"]
        assert [(row["id"], row["score"], row["grade"]) for row in mine] == [
            (lead.pk, lead.score, lead.grade)
        ]
        assert lead.score > 0  # "有姓名" at least, under the default rules
        assert (lead.score, lead.grade, lead.score_details) == capture.lead_score(lead)

    def test_agents_may_not_import_do_not_call_lists(self, api_as, org):
        data = {"file": csv_file([["13800138000", "投诉"]], header=("手机", "原因")), "kind": "dnc"}
        response = api_as(org.agent_a1).post("/api/leads/imports/", data, format="multipart")
        assert response.status_code == 403
        assert not ImportJob.objects.exists()

    def test_agents_who_do_not_take_leads_may_not_import(self, api_as, org):
        trainee = make_member(team=org.team_a, status=MemberStatus.ONBOARDING)
        response = api_as(trainee).post(
            "/api/leads/imports/", {"file": csv_file(ROWS)}, format="multipart"
        )
        assert response.status_code == 403

    def test_an_agent_sees_only_their_own_imports(self, api_as, org):
        own = importing.import_job_create(file=csv_file(ROWS), by=org.agent_a1.user, start=False)
        for member in (org.agent_a2, org.manager_a):
            other = importing.import_job_create(file=csv_file(ROWS), by=member.user, start=False)
            api = api_as(org.agent_a1)
            assert api.get(f"/api/leads/imports/{other.pk}/").status_code == 404
            assert api.get(f"/api/leads/imports/{other.pk}/rows/").status_code == 404
        api = api_as(org.agent_a1)
        assert [job["id"] for job in api.get("/api/leads/imports/").json()["results"]] == [own.pk]
        assert api.get(f"/api/leads/imports/{own.pk}/").status_code == 200
        assert api_as(org.manager_a).get(f"/api/leads/imports/{own.pk}/").status_code == 200
        assert api_as(org.manager_b).get(f"/api/leads/imports/{own.pk}/").status_code == 404

    def test_only_admins_import_do_not_call_lists(self, api_as, org):
        data = {"file": csv_file([["13800138000", "投诉"]], header=("手机", "原因")), "kind": "dnc"}
        assert (
            api_as(org.manager_a).post("/api/leads/imports/", data, format="multipart").status_code
            == 403
        )
        data["file"] = csv_file([["13800138000", "投诉"]], header=("手机", "原因"))
        response = api_as(org.admin).post("/api/leads/imports/", data, format="multipart")
        assert response.status_code == 201
        importing.import_job_run(job_id=response.json()["id"])
        assert DoNotCall.objects.get().reason == "投诉"

    def test_who_sees_which_import(self, api_as, org):
        job = importing.import_job_create(file=csv_file(ROWS), by=org.manager_a.user, start=False)
        url = f"/api/leads/imports/{job.pk}/"
        assert api_as(org.agent_a1).get(url).status_code == 404
        assert api_as(org.manager_b).get(url).status_code == 404
        assert api_as(org.south_head).get(url).status_code == 404
        assert api_as(org.manager_b).get(f"{url}rows/").status_code == 404
        for member in (org.manager_a, org.head, org.admin, org.inspector):
            assert api_as(member).get(url).status_code == 200
        assert api_as(org.manager_b).get("/api/leads/imports/").json()["count"] == 0

    def test_the_list_takes_constant_queries(self, api_as, org, django_assert_max_num_queries):
        api = api_as(org.admin)
        importing.import_job_create(file=csv_file(ROWS), by=org.admin.user, start=False)
        api.get("/api/leads/imports/")
        with django_assert_max_num_queries(10) as few:
            api.get("/api/leads/imports/")
        for _n in range(10):
            importing.import_job_create(file=csv_file(ROWS), by=org.manager_a.user, start=False)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert api.get("/api/leads/imports/").json()["count"] == 11


class TestDoNotCall:
    def test_admin_adds_lists_and_removes(self, api_as, org):
        api = api_as(org.admin)
        response = api.post(
            "/api/leads/do-not-call/", {"phone": "138 0013 8000", "reason": "投诉"}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["phone"] == "+8613800138000"
        again = api.post(
            "/api/leads/do-not-call/", {"phone": "13800138000", "reason": "x"}, format="json"
        )
        assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
        assert api.get("/api/leads/do-not-call/?search=0013").json()["count"] == 1
        assert api.delete(f"/api/leads/do-not-call/{response.json()['id']}/").status_code == 204
        assert not DoNotCall.objects.exists()

    def test_errors_name_the_field(self, api_as, org):
        response = api_as(org.admin).post(
            "/api/leads/do-not-call/", {"phone": "123", "reason": "x"}, format="json"
        )
        assert response.status_code == 400 and "phone" in response.json()

    def test_heads_and_inspectors_read_only_agents_and_managers_not_at_all(self, api_as, org):
        entry = do_not_call_add(phone="13800138000", reason="投诉")
        for member in (org.head, org.inspector):
            api = api_as(member)
            assert api.get("/api/leads/do-not-call/").json()["count"] == 1
            assert api.get(f"/api/leads/do-not-call/{entry.pk}/").status_code == 200
            assert api.delete(f"/api/leads/do-not-call/{entry.pk}/").status_code == 403
            assert (
                api.post(
                    "/api/leads/do-not-call/",
                    {"phone": "13900139000", "reason": "x"},
                    format="json",
                ).status_code
                == 403
            )
        for member in (org.agent_a1, org.manager_a):
            api = api_as(member)
            assert api.get("/api/leads/do-not-call/").status_code == 403
            assert api.get(f"/api/leads/do-not-call/{entry.pk}/").status_code in (403, 404)

    def test_any_staff_member_checks_one_number(self, api_as, org):
        do_not_call_add(phone="13800138000", reason="投诉")
        api = api_as(org.agent_a1)
        response = api.post(
            "/api/leads/do-not-call/check/", {"phone": "+86 138-0013-8000"}, format="json"
        )
        assert response.json() == {"phone": "+8613800138000", "do_not_call": True}
        response = api.post(
            "/api/leads/do-not-call/check/", {"phone": "13900139000"}, format="json"
        )
        assert response.json()["do_not_call"] is False
        response = api.post("/api/leads/do-not-call/check/", {"phone": "12"}, format="json")
        assert response.status_code == 400 and "phone" in response.json()


@pytest.fixture
def inbound(db):
    LeadPolicy.current()
    campaign = CampaignFactory(channel=Channel.ADVERTISING)
    key, plaintext = inbound_key_issue(name="官网", channel=Channel.WEB_FORM, campaign=campaign)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    return key, plaintext, client


class TestInbound:
    def test_a_web_form_posts_a_lead(self, inbound):
        key, _plaintext, client = inbound
        response = client.post(
            "/api/leads/inbound/",
            {"phone": "138 0013 8000", "name": "张三", "budget": "20000", "source": "落地页A"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        lead = Lead.objects.get()
        assert response.json() == {"id": lead.pk, "created": True, "duplicate_of": None}
        assert (lead.channel, lead.campaign) == (Channel.WEB_FORM, key.campaign)
        assert lead.sources.get().payload["source"] == "落地页A"
        key.refresh_from_db()
        assert key.last_used_at is not None

    def test_a_known_phone_is_merged(self, inbound):
        _key, _plaintext, client = inbound
        first = client.post("/api/leads/inbound/", {"phone": "13800138000"}, format="json").json()
        second = client.post(
            "/api/leads/inbound/", {"phone": "+8613800138000", "company": "某公司"}, format="json"
        )
        assert second.status_code == 201
        assert second.json() == {"id": first["id"], "created": False, "duplicate_of": first["id"]}
        assert Lead.objects.get().company == "某公司"

    def test_bad_numbers_and_do_not_call_are_400_on_phone(self, inbound):
        _key, _plaintext, client = inbound
        response = client.post("/api/leads/inbound/", {"phone": "12345"}, format="json")
        assert response.status_code == 400 and "phone" in response.json()
        do_not_call_add(phone="13800138000", reason="投诉")
        response = client.post("/api/leads/inbound/", {"phone": "13800138000"}, format="json")
        assert response.status_code == 400 and "do-not-call" in response.json()["phone"][0]
        assert not Lead.objects.exists()

    def test_without_a_valid_active_key_nothing_is_captured(self, inbound, api_as, org):
        key, plaintext, _client = inbound
        prefix, secret = plaintext.split(".")
        for header in (None, "nonsense", f"{prefix}.wrong-secret", f"zzzzzzzz.{secret}"):
            client = APIClient()
            if header:
                client.credentials(HTTP_X_API_KEY=header)
            response = client.post("/api/leads/inbound/", {"phone": "13800138000"}, format="json")
            assert response.status_code in (401, 403), header
        inbound_key_deactivate(key=key)
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=plaintext)
        assert client.post("/api/leads/inbound/", {"phone": "13800138000"}).status_code == 401
        # A signed-in user is not a key.
        staff = api_as(org.admin)
        assert staff.post("/api/leads/inbound/", {"phone": "13800138000"}).status_code in (401, 403)
        assert not Lead.objects.exists()

    def test_a_key_does_not_open_the_rest_of_the_api(self, inbound):
        _key, _plaintext, client = inbound
        assert client.get("/api/leads/imports/").status_code in (401, 403)
        assert client.get("/api/members/").status_code in (401, 403)

    def test_each_key_is_throttled(self, inbound, monkeypatch):
        cache.clear()
        monkeypatch.setattr(InboundKeyThrottle, "rate", "2/min")
        _key, _plaintext, client = inbound
        codes = [
            client.post(
                "/api/leads/inbound/", {"phone": f"1380013800{n}"}, format="json"
            ).status_code
            for n in range(3)
        ]
        assert codes == [201, 201, 429]
        _other, other_plaintext = inbound_key_issue(name="广告", channel=Channel.ADVERTISING)
        other = APIClient()
        other.credentials(HTTP_X_API_KEY=other_plaintext)
        assert other.post("/api/leads/inbound/", {"phone": "13900139000"}).status_code == 201
        cache.clear()

    def test_the_key_is_stored_hashed(self, inbound):
        key, plaintext, _client = inbound
        assert plaintext.split(".")[1] not in key.key_hash


def test_the_schema_documents_the_capture_api(api_as, org):
    response = api_as(org.admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for route in (
        "/api/leads/imports/",
        "/api/leads/imports/{id}/",
        "/api/leads/imports/{id}/rows/",
        "/api/leads/do-not-call/",
        "/api/leads/do-not-call/check/",
        "/api/leads/inbound/",
    ):
        assert route in paths, route
    assert schema["components"]["securitySchemes"]["InboundKey"]["name"] == "X-Api-Key"
    detail = schema["components"]["schemas"]["ImportJobDetail"]["properties"]
    assert {"created", "duplicates", "rejected", "rows"} <= set(detail)

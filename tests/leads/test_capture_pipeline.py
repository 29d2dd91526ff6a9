"""One capture pipeline (clean → do-not-call → dedup → score → write → route) behind every
door: the entry form, the API, the inbound API and the import give the same outcome for
the same input; routing is the only writer of `Assignment`; someone who may not see the
lead a capture repeats is not told which lead it is, nor changes it (issue 20)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from leads.inbound_auth import inbound_key_issue
from leads.models import Channel, ImportJob, ImportRow, Lead, LeadPolicy, LeadSource
from leads.services import capture, importing
from risk.models import RiskEvent
from risk.services import do_not_call_add
from tests.leads.factories import LeadFactory

KNOWN = "+8613900139000"  # a lead the center already has
LISTED = "+8613600136000"  # on the do-not-call list

#: (what was typed or pasted, the outcome, the number it means)
CASES = [
    ("tel:+86-138-0013-8000", "created", "+8613800138000"),
    ("tel://13800138000", "created", "+8613800138000"),
    ("TEL:+86 138 0013 8000;ext=12", "created", "+8613800138000"),
    ("callto:0086-138-0013-8000", "created", "+8613800138000"),
    ("+86 (138) 0013.8000", "created", "+8613800138000"),
    ("８６－１３８－００１３－８０００", "created", "+8613800138000"),
    ("0086 138 0013 8000", "created", "+8613800138000"),
    ("(021) 6212-3456", "created", "+862162123456"),
    ("139-0013-9000", "duplicate", KNOWN),
    ("tel:+8613900139000", "duplicate", KNOWN),
    ("136 0013 6000", "refused", LISTED),
    ("tel:13600136000", "refused", LISTED),
    ("12345", "invalid", None),
    ("tel:", "invalid", None),
    ("callto:abc", "invalid", None),
]


@pytest.fixture
def center(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    LeadPolicy.current()
    known = LeadFactory(phone=KNOWN, name="老王", company="")
    do_not_call_add(phone=LISTED, reason="投诉")
    return known


def _counts() -> tuple[int, int, int]:
    return (
        Lead.objects.count(),
        LeadSource.objects.filter(is_duplicate=True).count(),
        RiskEvent.objects.filter(kind=RiskEvent.Kind.DNC_CAPTURE).count(),
    )


def _outcome(before, after) -> str:
    leads, duplicates, refusals = (a - b for a, b in zip(after, before, strict=True))
    if leads == 1:
        return "created"
    if duplicates == 1:
        return "duplicate"
    if refusals == 1:
        return "refused"
    assert (leads, duplicates, refusals) == (0, 0, 0)
    return "invalid"


def _by_form(org, client, phone: str):
    client.force_login(org.admin.user)
    response = client.post(
        "/leads/new/", {"phone": phone, "name": "张三", "intent": "unknown", "channel": "manual"}
    )
    return response.status_code == 302, response


def _by_api(org, client, phone: str):
    api = APIClient()
    api.force_login(org.admin.user)
    response = api.post("/api/leads/", {"phone": phone, "name": "张三"}, format="json")
    return response.status_code in (200, 201), response


def _by_inbound(org, client, phone: str):
    _key, plaintext = inbound_key_issue(name="官网", channel=Channel.WEB_FORM)
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=plaintext)
    response = api.post("/api/leads/inbound/", {"phone": phone, "name": "张三"}, format="json")
    return response.status_code == 201, response


def _by_import(org, client, phone: str):
    out = io.StringIO()
    csv.writer(out).writerows([["姓名", "手机"], ["张三", phone]])
    job = importing.import_job_create(
        file=SimpleUploadedFile("one.csv", out.getvalue().encode()),
        by=org.admin.user,
        start=False,
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job.rejected_count == 0, job


DOORS = {"form": _by_form, "api": _by_api, "inbound": _by_inbound, "import": _by_import}


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize(("typed", "expected", "e164"), CASES)
def test_every_door_gives_the_same_outcome(center, org, client, door, typed, expected, e164):
    before = _counts()
    accepted, _answer = DOORS[door](org, client, typed)
    assert _outcome(before, _counts()) == expected
    assert accepted == (expected in ("created", "duplicate"))
    if expected == "created":
        lead = Lead.objects.get(phone=e164)
        assert lead.name == "张三" and lead.sources.get().is_duplicate is False
        assert (lead.score, lead.grade, lead.score_details) == capture.lead_score(lead)
    elif expected == "duplicate":
        assert Lead.objects.filter(phone=e164).count() == 1
        center.refresh_from_db()
        assert center.name == "老王"  # a duplicate never overwrites
        assert center.sources.get(is_duplicate=True)
    elif expected == "refused":
        assert not Lead.objects.filter(phone=e164).exists()


def test_the_import_reports_the_same_reasons_as_the_other_doors(center, org):
    """Its report row says why, per row, in the words of the single capture."""
    accepted, job = _by_import(org, None, "tel:13600136000")
    row = job.rows.get()
    assert not accepted and row.outcome == ImportRow.Outcome.REJECTED and "投诉" in row.reason


# --- routing is the only writer of Assignment ---------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "leads", "orders", "aftersales", "performance", "training", "risk")
WRITES = re.compile(
    r"(?<!class )\bAssignment\("  # an instance (to save or bulk_create)
    r"|Assignment\.objects\.(?:create|bulk_create|get_or_create|update_or_create)\b"
    r"|\.assignments\.create\("
    r"|(?:insert_rows|inserting_rows)\(\s*Assignment\b"
)
ALLOWED = {
    "leads/services/routing.py",  # the writer
    "leads/db/assignment.py",  # its fast path, and the ORM reference
    "leads/db/pool.py",  # the reclaim sweep's fast path and its ORM reference
}


def test_routing_is_the_only_writer_of_assignments():
    writers = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WRITES.search(line):
                    writers.append(f"{relative}:{number}: {line.strip()}")
    assert writers == []


def test_the_grep_would_see_a_writer():
    for line in (
        "Assignment.objects.create(lead=lead)",
        "rows = [Assignment(lead_id=pk) for pk in ids]",
        "insert_rows(Assignment, COLUMNS, rows)",
        "lead.assignments.create(kind=kind)",
    ):
        assert WRITES.search(line), line
    assert not WRITES.search("class Assignment(models.Model):")


# --- another team's customer (issue 20) ----------------------------------------------------


@pytest.fixture
def theirs(org, center):
    """A lead of team B's agent, with fields an eager capture would like to fill."""
    return LeadFactory(
        phone="+8613700137000",
        name="别组客户",
        company="",
        product="",
        owner=org.agent_b1.user,
        team=org.team_b,
    )


def _unchanged(lead) -> tuple:
    lead.refresh_from_db()
    return (lead.name, lead.company, lead.product, lead.score, lead.grade, lead.owner_id)


class TestAnotherTeamsCustomer:
    def test_the_api_says_only_that_the_customer_is_followed_up(self, org, theirs, api_as):
        before = _unchanged(theirs)
        response = api_as(org.agent_a1).post(
            "/api/leads/",
            {"phone": "tel:+86-137-0013-7000", "company": "新公司", "product": "保险"},
            format="json",
        )
        assert response.status_code == 200
        assert response.json() == {"duplicate_of": None, "lead": None}
        assert str(theirs.pk) not in response.content.decode()
        assert _unchanged(theirs) == before  # neither filled in nor rescored
        source = theirs.sources.get(is_duplicate=True)  # but the capture is on record
        assert source.created_by == org.agent_a1.user

    def test_the_form_says_only_that_the_customer_is_followed_up(self, org, theirs, client_as):
        before = _unchanged(theirs)
        client = client_as(org.agent_a1)
        response = client.post(
            "/leads/new/",
            {"phone": "137 0013 7000", "company": "新公司", "intent": "high", "channel": "manual"},
            follow=True,
        )
        body = response.content.decode()
        assert "already being followed up" in body or "已在跟进" in body
        assert f"#{theirs.pk}" not in body
        assert _unchanged(theirs) == before
        assert theirs.sources.filter(is_duplicate=True).count() == 1

    def test_an_import_reports_no_lead_and_fills_nothing(self, org, theirs, settings):
        before = _unchanged(theirs)
        for importer in (org.agent_a1, org.manager_a):
            out = io.StringIO()
            csv.writer(out).writerows([["手机", "公司", "产品"], ["13700137000", "新公司", "保险"]])
            job = importing.import_job_create(
                file=SimpleUploadedFile("x.csv", out.getvalue().encode()),
                by=importer.user,
                start=False,
            )
            importing.import_job_run(job_id=job.pk)
            row = ImportJob.objects.get(pk=job.pk).rows.get()
            assert row.outcome == ImportRow.Outcome.DUPLICATE
            assert row.lead is None and f"#{theirs.pk}" not in row.reason
            assert "already being followed up" in row.reason
        assert _unchanged(theirs) == before
        assert theirs.sources.filter(is_duplicate=True).count() == 2

    def test_the_owner_and_their_manager_still_fill_it_in(self, org, theirs, api_as):
        response = api_as(org.manager_b).post(
            "/api/leads/", {"phone": "13700137000", "company": "新公司"}, format="json"
        )
        assert response.json()["duplicate_of"] == theirs.pk
        theirs.refresh_from_db()
        assert theirs.company == "新公司"
        assert (theirs.score, theirs.grade, theirs.score_details) == capture.lead_score(theirs)

    def test_the_owner_is_told_which_lead(self, org, theirs, api_as):
        response = api_as(org.agent_b1).post(
            "/api/leads/", {"phone": "13700137000", "product": "保险"}, format="json"
        )
        assert response.json()["duplicate_of"] == theirs.pk
        theirs.refresh_from_db()
        assert theirs.product == "保险"

    def test_an_edit_to_their_number_does_not_name_their_lead(self, org, theirs):
        mine = LeadFactory(phone="+8613500135000", owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError) as error:
            capture.lead_update(lead=mine, by=org.agent_a1.user, phone="137 0013 7000")
        message = error.value.message_dict["phone"][0]
        assert "another lead" in message and f"#{theirs.pk}" not in message
        with pytest.raises(ValidationError) as error:
            capture.lead_update(lead=mine, by=org.admin.user, phone="137 0013 7000")
        assert f"#{theirs.pk}" in error.value.message_dict["phone"][0]

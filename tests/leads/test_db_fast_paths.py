"""The raw-SQL fast paths of `leads.db` against their ORM references, on PostgreSQL: each
pair runs on the same data and must leave the same rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from leads.db import assignment as db_assignment
from leads.db import importing as db_importing
from leads.models import Assignment, ImportJob, ImportRow, Intent, Lead, LeadSource
from tests.leads.factories import LeadFactory
from tests.support import unavailable


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        unavailable("the fast paths of leads.db are PostgreSQL's (COPY, unnest, jsonb)")


NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
SKIP = {"id", "phone"}


def _differences(rows_a: list[dict], rows_b: list[dict]) -> list[dict]:
    """Per pair of rows, the columns whose values differ (empty dicts when all agree)."""
    assert len(rows_a) == len(rows_b)
    return [
        {key: (a[key], b[key]) for key in a if a[key] != b[key]}
        for a, b in zip(rows_a, rows_b, strict=True)
    ]


def _row(obj, skip=SKIP) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.attname not in skip
    }


def _lead_values(phone: str, org) -> tuple:
    """A new lead as `capture.writing.LEAD_COLUMNS`, with values of every kind."""
    details = [{"rule": "有公司", "kind": "has_field", "points": 10}]
    return (
        phone, True, "import", 10, "C", details,
        "张三", "甲公司", "上海", "a@example.com", "wx1", "备注", "保险", "下月",
        Decimal("50000.00"), Intent.HIGH, None, org.admin.user.pk,
        org.agent_a1.user.pk, org.team_a.pk, NOW, NOW, NOW,
    )  # fmt: skip


def test_inserting_rows_copy_writes_what_bulk_create_writes(postgres_only, org):
    from leads.services.capture.writing import LEAD_COLUMNS

    orm = [_lead_values(f"+86138001380{i:02d}", org) for i in range(5)]
    fast = [_lead_values(f"+86139001390{i:02d}", org) for i in range(5)]
    with db_importing.inserting_rows_orm(Lead, LEAD_COLUMNS, orm, with_ids=True) as orm_ids:
        pass
    with db_importing.inserting_rows_pg(Lead, LEAD_COLUMNS, fast, with_ids=True) as pg_ids:
        pass
    assert len(orm_ids) == len(pg_ids) == 5
    # `updated_at` is auto_now: bulk_create stamps the time of writing, COPY writes the
    # value given (imports give the time of writing).
    skip = SKIP | {"updated_at"}
    by_orm = [_row(lead, skip) for lead in Lead.objects.filter(pk__in=orm_ids).order_by("phone")]
    by_pg = [_row(lead, skip) for lead in Lead.objects.filter(pk__in=pg_ids).order_by("phone")]
    assert _differences(by_orm, by_pg) == [{}] * 5
    assert by_orm[0]["score_details"][0]["rule"] == "有公司"


def test_inserting_rows_without_ids_and_json_text(postgres_only, org):
    job = ImportJob.objects.create(original_name="x.csv", created_by=org.admin.user)
    leads = [LeadFactory(phone=f"+86137001370{i:02d}") for i in range(2)]
    columns = ("lead_id", "channel", "import_job_id", "is_duplicate", "payload", "received_at")
    payload = db_importing.JsonText(db_importing.json_text({"手机": "137", "row": 2}))
    rows = [(lead.pk, "import", job.pk, False, payload, NOW) for lead in leads]
    assert db_importing.insert_rows(LeadSource, columns, rows) == []
    by_pg = [_row(s, {"id"}) for s in LeadSource.objects.order_by("lead_id")]
    LeadSource.objects.all().delete()
    with db_importing.inserting_rows_orm(LeadSource, columns, rows):
        pass
    by_orm = [_row(s, {"id"}) for s in LeadSource.objects.order_by("lead_id")]
    assert by_orm == by_pg and by_pg[0]["payload"] == {"手机": "137", "row": 2}
    report = [(job.pk, 2, ImportRow.Outcome.REJECTED, "phone", "x", None)]
    columns = ("job_id", "row_number", "outcome", "field", "reason", "lead_id")
    db_importing.insert_rows(ImportRow, columns, report)
    assert ImportRow.objects.get().reason == "x"


def test_update_leads_pg_writes_what_bulk_update_writes(postgres_only):
    orm = [LeadFactory(phone=f"+86138001380{i:02d}", company="") for i in range(4)]
    fast = [LeadFactory(phone=f"+86139001390{i:02d}", company="") for i in range(4)]
    for group in (orm, fast):
        for i, lead in enumerate(group):
            lead.company, lead.budget, lead.intent = f"公司{i}", Decimal("12.50") * i, Intent.LOW
            lead.score, lead.grade = i, "D"
            lead.score_details = [{"rule": "r", "kind": "k", "points": i}]
            lead.updated_at = NOW
    fields = ["company", "budget", "intent", "score", "grade", "score_details", "updated_at"]
    db_importing.update_leads_orm(orm, fields)
    db_importing.update_leads_pg(fast, fields)
    skip = SKIP | {"name", "created_at"}
    by_orm = [_row(lead, skip) for lead in Lead.objects.filter(pk__in=[x.pk for x in orm])]
    by_pg = [_row(lead, skip) for lead in Lead.objects.filter(pk__in=[x.pk for x in fast])]
    assert sorted(by_orm, key=str) == sorted(by_pg, key=str)
    assert {row["company"] for row in by_pg} == {"公司0", "公司1", "公司2", "公司3"}


def test_filter_by_phones_pg_finds_what_in_finds(postgres_only):
    for i in range(6):
        LeadFactory(phone=f"+86138001380{i:02d}")
    phones = {"+8613800138001", "+8613800138004", "+8613999999999"}
    orm = db_importing.filter_by_phones_orm(Lead.objects, phones)
    fast = db_importing.filter_by_phones_pg(Lead.objects, phones)
    assert sorted(orm.values_list("phone", flat=True)) == sorted(
        fast.values_list("phone", flat=True)
    )
    assert fast.count() == 2


def test_filter_by_phones_pg_finds_hashes_as_in_does(postgres_only):
    from risk.models import DoNotCall, phone_hash

    for i in range(4):
        phone = f"+86138001380{i:02d}"
        DoNotCall.objects.create(phone=phone, phone_hash=phone_hash(phone), reason="asked")
    hashes = {phone_hash("+8613800138001"), phone_hash("+8613800138003"), "f" * 64}
    orm = db_importing.filter_by_phones_orm(DoNotCall.objects, hashes, field="phone_hash")
    fast = db_importing.filter_by_phones_pg(DoNotCall.objects, hashes, field="phone_hash")
    assert sorted(orm.values_list("phone", flat=True)) == sorted(
        fast.values_list("phone", flat=True)
    )
    assert fast.count() == 2


def test_move_leads_pg_writes_what_the_orm_writes(postgres_only, org):
    orm = [LeadFactory(phone=f"+86138001380{i:02d}") for i in range(3)]
    fast = [LeadFactory(phone=f"+86139001390{i:02d}") for i in range(3)]
    Lead.objects.filter(pk__in=[x.pk for x in orm + fast]).update(reclaim_warned_at=NOW)

    def moves(leads):
        return [
            (leads[0].pk, None, org.agent_a1.user.pk, org.team_a.pk, None, "轮询"),
            (leads[1].pk, None, None, org.team_b.pk, None, "留在组池"),
            (leads[2].pk, org.agent_a1.user.pk, org.agent_b1.user.pk, org.team_b.pk, None, ""),
        ]

    now = timezone.now()
    top_orm = db_assignment.move_leads_orm(moves(orm), kind="auto", by_id=None, now=now)
    top_pg = db_assignment.move_leads_pg(moves(fast), kind="auto", by_id=None, now=now)
    assert top_orm == Assignment.objects.filter(lead__in=orm).latest("pk").pk
    assert top_pg == Assignment.objects.filter(lead__in=fast).latest("pk").pk
    skip = SKIP | {"name", "created_at"}
    for a, b in zip(orm, fast, strict=True):
        a.refresh_from_db()
        b.refresh_from_db()
        assert _row(a, skip) == _row(b, skip)
        assert _row(a.assignments.get(), {"id", "lead_id"}) == _row(
            b.assignments.get(), {"id", "lead_id"}
        )
    assert orm[0].owner_id == org.agent_a1.user.pk and orm[0].assigned_at == now
    assert orm[1].owner_id is None and orm[1].assigned_at is None
    assert orm[0].reclaim_warned_at is None

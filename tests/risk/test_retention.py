"""Retention (issue 20, point 4): each kind of personal data is purged after the period the
administrators set and kept before it; a second run changes nothing; the run reports
what it removed per kind."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from crm import retention
from crm.models import Notification
from leads.models import Call, FollowUp, ImportJob, Lead, LeadEvent, LeadSource, LeadStatus
from leads.retention import ANONYMIZED_PHONE_PREFIX
from risk import services
from risk.models import (
    AuditEntry,
    ExportRecord,
    PhoneReveal,
    RetentionPolicy,
    RetentionRun,
    RiskEvent,
)
from risk.tasks import retention_apply
from tests.leads.factories import CallFactory, FollowUpFactory, ImportJobFactory, LeadFactory

NOW = dt.datetime(2026, 5, 31, 19, 30, tzinfo=dt.UTC)  # 03:30 in Shanghai
KINDS = (
    "notifications",
    "sessions",
    "api_tokens",
    "lost_leads",
    "call_recordings",
    "import_files",
    "recording_audio",
    "audit_entries",
    "export_records",
    "phone_reveals",
    "risk_events",
)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def lost_lead(*, lost_days_ago: float, **fields) -> Lead:
    lead = LeadFactory(status=LeadStatus.LOST, email="zhou@example.com", wechat="zhou_wx",
                       notes="住在长宁区", company="周氏贸易", **fields)  # fmt: skip
    LeadEvent.objects.create(
        lead=lead, at=days_ago(lost_days_ago), from_status="new", to_status="lost", why="无意向"
    )
    return lead


def test_every_app_offers_its_kinds_with_a_default_period():
    kinds = retention.kinds()
    assert tuple(kinds) == KINDS
    defaults = {code: kind.default_days for code, kind in kinds.items()}
    assert defaults["lost_leads"] == 730
    assert defaults["call_recordings"] == 180
    assert defaults["import_files"] == 30
    assert defaults["audit_entries"] == defaults["export_records"] == 1095


def test_the_run_is_nightly_and_registered_in_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] == "risk.tasks.retention_apply"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


class TestLostLeads:
    def test_anonymized_after_the_period_and_kept_before(self, org):
        old = lost_lead(lost_days_ago=731, name="周美玲", phone="+8613912345678")
        recent = lost_lead(lost_days_ago=729, name="李雷")
        still_open = LeadFactory(name="韩梅梅")
        Lead.objects.filter(pk=still_open.pk).update(created_at=days_ago(2000))
        FollowUpFactory(lead=old, agent=org.agent_a1.user, notes="客户说下周再打")
        CallFactory(lead=old, caller="+8613912345678", callee="+862161234567",
                    recording_url="https://pbx.example/rec/1.wav")  # fmt: skip
        LeadSource.objects.create(lead=old, channel="manual", payload={"phone": "13912345678"})

        run = services.apply_retention(now=NOW)

        assert run.report["lost_leads"]["count"] == 1
        old.refresh_from_db()
        assert (old.name, old.email, old.wechat, old.notes, old.company) == ("", "", "", "", "")
        assert old.phone == f"{ANONYMIZED_PHONE_PREFIX}{old.pk}"
        assert old.status == LeadStatus.LOST  # anonymized, not deleted: its history stays
        assert FollowUp.objects.get(lead=old).notes == ""
        call = Call.objects.get(lead=old)
        assert (call.caller, call.callee, call.recording_url) == ("", "", "")
        assert LeadSource.objects.get(lead=old, channel="manual").payload == {}
        recent.refresh_from_db()
        assert (recent.name, recent.email) == ("李雷", "zhou@example.com")
        assert Lead.objects.get(pk=still_open.pk).name == "韩梅梅"

    def test_a_lead_lost_before_status_events_counts_from_its_last_change(self, org):
        lead = LeadFactory(status=LeadStatus.LOST, name="老客户")
        Lead.objects.filter(pk=lead.pk).update(updated_at=days_ago(800))
        fresh = LeadFactory(status=LeadStatus.LOST, name="新客户")

        services.apply_retention(now=NOW)

        assert Lead.objects.get(pk=lead.pk).name == ""
        assert Lead.objects.get(pk=fresh.pk).name == "新客户"

    def test_a_recent_loss_of_an_old_lead_is_kept(self, org):
        lead = lost_lead(lost_days_ago=10, name="王芳")
        Lead.objects.filter(pk=lead.pk).update(created_at=days_ago(3000), updated_at=days_ago(3000))

        services.apply_retention(now=NOW)

        assert Lead.objects.get(pk=lead.pk).name == "王芳"


def test_call_recording_links_go_after_the_period(org):
    old = CallFactory(started_at=days_ago(181), recording_url="https://pbx.example/rec/old.wav")
    recent = CallFactory(started_at=days_ago(179), recording_url="https://pbx.example/rec/new.wav")

    run = services.apply_retention(now=NOW)

    assert run.report["call_recordings"]["count"] == 1
    assert Call.objects.get(pk=old.pk).recording_url == ""
    assert Call.objects.get(pk=recent.pk).recording_url.endswith("new.wav")


def test_finished_import_files_are_deleted_from_storage(org):
    def job_with_file(days: float, **fields) -> ImportJob:
        name = default_storage.save("imports/test/名单.csv", ContentFile(b"name,phone\n"))
        job = ImportJobFactory(file=name, created_by=org.admin.user, **fields)
        ImportJob.objects.filter(pk=job.pk).update(created_at=days_ago(days))
        return job

    old = job_with_file(31)
    recent = job_with_file(29)
    running = job_with_file(31, status=ImportJob.Status.RUNNING)
    old_name = old.file.name

    run = services.apply_retention(now=NOW)

    assert run.report["import_files"]["count"] == 1
    old.refresh_from_db()
    assert old.file.name == "" and not default_storage.exists(old_name)
    assert old.original_name  # the report of the import stays
    for job in (recent, running):
        job.refresh_from_db()
        assert default_storage.exists(job.file.name)


def test_the_risk_logs_go_after_their_periods(org):
    user = org.admin.user
    lead = LeadFactory()
    for at in (days_ago(1096), days_ago(1094)):
        AuditEntry.objects.create(at=at, action="update", model_label="leads.lead", object_id="1")
        ExportRecord.objects.create(user=user, kind="leads", format="csv", at=at)
        PhoneReveal.objects.create(user=user, lead=lead, phone_masked="139****5678",
                                   purpose="reveal", at=at)  # fmt: skip
        RiskEvent.objects.create(kind="dnc_contact", user=user, at=at)
    kept_audit = set(AuditEntry.objects.filter(at__gte=days_ago(1095)).values_list("pk", flat=True))

    run = services.apply_retention(now=NOW)

    for kind in ("audit_entries", "export_records", "phone_reveals", "risk_events"):
        assert run.report[kind]["count"] == 1, kind
    assert ExportRecord.objects.count() == PhoneReveal.objects.count() == 1
    assert RiskEvent.objects.count() == 1
    assert kept_audit <= set(AuditEntry.objects.values_list("pk", flat=True))
    assert not AuditEntry.objects.filter(at__lt=days_ago(1095)).exists()


def test_notifications_sessions_sign_in_records_and_tokens(org):
    user = org.agent_a1.user
    for key, at in (("old", days_ago(366)), ("new", days_ago(364))):
        Notification.objects.create(user=user, kind="test", key=key, text="提醒", created_at=at)
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=days_ago(1))
    Session.objects.filter(pk=live.session_key).update(expire_date=NOW + dt.timedelta(hours=1))
    attempt = AccessAttempt.objects.create(username="agent_a1", ip_address="10.0.0.1",
                                           failures_since_start=1)  # fmt: skip
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=days_ago(91))
    AccessAttempt.objects.create(username="agent_a2", ip_address="10.0.0.1",
                                 failures_since_start=1)  # fmt: skip
    old_token = Token.objects.create(user=user)
    Token.objects.filter(pk=old_token.pk).update(created=days_ago(366))
    new_token = Token.objects.create(user=org.agent_a2.user)

    run = services.apply_retention(now=NOW)

    assert run.report["notifications"]["count"] == 1
    assert list(Notification.objects.values_list("key", flat=True)) == ["new"]
    assert run.report["sessions"]["count"] == 2  # the expired session, the old attempt
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["agent_a2"]
    assert run.report["api_tokens"]["count"] == 1
    assert list(Token.objects.values_list("pk", flat=True)) == [new_token.pk]


def _old_data(org) -> None:
    lost_lead(lost_days_ago=800, name="周美玲")
    CallFactory(started_at=days_ago(200), recording_url="https://pbx.example/rec/x.wav")
    AuditEntry.objects.create(at=days_ago(2000), action="update", model_label="x", object_id="1")
    Notification.objects.create(user=org.agent_a1.user, kind="t", key="k", text="t",
                                created_at=days_ago(400))  # fmt: skip


def test_a_second_run_changes_nothing(org):
    _old_data(org)

    first = services.apply_retention(now=NOW)
    leads_after_first = list(Lead.objects.order_by("pk").values())
    second = services.apply_retention(now=NOW)

    assert first.total >= 4
    assert second.total == 0
    assert set(second.counts.values()) == {0}
    assert list(Lead.objects.order_by("pk").values()) == leads_after_first


def test_the_report_counts_per_kind_and_the_trail_has_one_summary(org):
    _old_data(org)

    run = services.apply_retention(now=NOW)

    run.refresh_from_db()
    assert set(run.report) == set(KINDS)
    assert run.counts["lost_leads"] == run.counts["call_recordings"] == 1
    assert run.counts["audit_entries"] == 1 and run.counts["notifications"] == 1
    assert run.total == sum(run.counts.values())
    assert run.report["lost_leads"]["days"] == 730
    assert run.report["lost_leads"]["cutoff"] == days_ago(730).isoformat()
    assert run.finished_at is not None and run.error == ""
    summary = AuditEntry.objects.get(model_label="risk.retentionrun", object_id=str(run.pk))
    assert summary.action == AuditEntry.Action.BULK
    assert summary.after["lost_leads"] == 1


def test_a_dry_run_counts_and_changes_nothing(org):
    _old_data(org)

    run = services.apply_retention(now=NOW, dry_run=True)

    assert run.dry_run and run.counts["lost_leads"] == 1 and run.counts["audit_entries"] == 1
    assert Lead.objects.get(status=LeadStatus.LOST).name == "周美玲"
    assert services.apply_retention(now=NOW).counts["lost_leads"] == 1


class TestPeriodsSetByAdministrators:
    def test_a_longer_period_keeps_what_the_default_would_purge(self, org):
        services.retention_policy_set(kind="call_recordings", days=365, by=org.admin.user)
        call = CallFactory(started_at=days_ago(200), recording_url="https://pbx.example/r.wav")

        run = services.apply_retention(now=NOW)

        assert run.report["call_recordings"] == {
            "days": 365,
            "cutoff": days_ago(365).isoformat(),
            "count": 0,
        }
        assert Call.objects.get(pk=call.pk).recording_url

    def test_a_kind_turned_off_is_kept_for_good(self, org):
        services.retention_policy_set(kind="audit_entries", days=30, enabled=False)
        AuditEntry.objects.create(
            at=days_ago(5000), action="update", model_label="x", object_id="1"
        )

        run = services.apply_retention(now=NOW)

        assert run.report["audit_entries"]["skipped"] is True
        assert AuditEntry.objects.filter(at__lt=days_ago(4000)).exists()

    @pytest.mark.parametrize(
        ("kind", "days", "field"), [("nothing", 30, "kind"), ("sessions", 0, "days")]
    )
    def test_bad_settings_are_refused(self, db, kind, days, field):
        with pytest.raises(ValidationError) as refused:
            services.retention_policy_set(kind=kind, days=days)
        assert field in refused.value.message_dict
        assert not RetentionPolicy.objects.exists()

    def test_the_admin_edits_periods_and_reads_the_reports(self, admin_client):
        response = admin_client.post(
            "/admin/risk/retentionpolicy/add/",
            {"kind": "import_files", "days": "7", "enabled": "on"},
        )
        assert response.status_code == 302, response.content
        assert RetentionPolicy.objects.get(kind="import_files").days == 7
        periods = admin_client.get("/admin/risk/retentionpolicy/")
        assert periods.status_code == 200
        assert RetentionPolicy.objects.count() == len(KINDS)  # every kind, to be seen
        assert RetentionPolicy.objects.get(kind="import_files").days == 7
        services.apply_retention(now=NOW)
        page = admin_client.get("/admin/risk/retentionrun/")
        assert page.status_code == 200
        assert admin_client.get("/admin/risk/retentionrun/add/").status_code == 403


def test_one_kind_failing_is_reported_and_the_others_still_run(org, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    kinds = dict(retention.kinds())
    kinds["import_files"] = retention.RetentionKind("import_files", "x", 30, broken)
    monkeypatch.setattr(retention, "kinds", lambda: kinds)
    _old_data(org)

    run = services.apply_retention(now=NOW)

    assert run.report["import_files"]["failed"] is True
    assert "disk full" in run.error
    assert run.counts["lost_leads"] == 1


def test_purging_is_set_based_the_same_statements_for_3_or_300_rows(org):
    def queries_for(rows: int) -> int:
        AuditEntry.objects.bulk_create(
            AuditEntry(at=days_ago(2000), action="update", model_label="x", object_id=str(n))
            for n in range(rows)
        )
        for n in range(rows):
            lost_lead(lost_days_ago=800, phone=f"+86138{rows:03d}{n:05d}")
        with CaptureQueriesContext(connection) as queries:
            services.apply_retention(now=NOW)
        return len(queries)

    assert queries_for(3) == queries_for(300)


def test_the_task_runs_the_service(org):
    _old_data(org)

    run_id = retention_apply.run()

    assert RetentionRun.objects.get(pk=run_id).total >= 4
    assert RetentionRun.objects.get(pk=retention_apply.run()).total == 0


def test_the_command_prints_the_report(org, capsys):
    from django.core.management import call_command

    _old_data(org)
    call_command("retention_apply", "--dry-run")

    out = capsys.readouterr().out
    assert "lost_leads" in out and "730 days" in out and "(dry run)" in out
    assert Lead.objects.get(status=LeadStatus.LOST).name == "周美玲"

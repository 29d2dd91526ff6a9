"""What risk keeps for a limited time (collected by `crm.retention`, run nightly by
`risk.services.apply_retention`). The logs are append-only everywhere else: retention is
the one path that removes them, after the period the administrators set."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from crm.retention import RetentionKind, delete_in_batches

from .models import AuditEntry, ExportRecord, PhoneReveal, RiskEvent


def _purge_audit_entries(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return delete_in_batches(AuditEntry.objects.filter(at__lt=cutoff), dry_run=dry_run)


def _purge_export_records(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return delete_in_batches(ExportRecord.objects.filter(at__lt=cutoff), dry_run=dry_run)


def _purge_phone_reveals(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return delete_in_batches(PhoneReveal.objects.filter(at__lt=cutoff), dry_run=dry_run)


def _purge_risk_events(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return delete_in_batches(RiskEvent.objects.filter(at__lt=cutoff), dry_run=dry_run)


KINDS = [
    RetentionKind("audit_entries", _("Audit trail"), 1095, _purge_audit_entries),
    RetentionKind("export_records", _("Export log"), 1095, _purge_export_records),
    RetentionKind("phone_reveals", _("Phone number reveals"), 1095, _purge_phone_reveals),
    RetentionKind("risk_events", _("Refused contacts"), 1095, _purge_risk_events),
]

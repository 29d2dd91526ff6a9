"""Risk actions: log a phone reveal, an export, a refused contact; keep the do-not-call list.

Every record here but the do-not-call list is append-only; nothing in the product edits
or deletes one. A number put on the list is announced with `risk.signals.number_blocked`
(leads closes its open leads), so risk never reaches into the apps that call customers.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import retention
from crm.exports import ExportPolicy
from crm.phones import InvalidPhone, mask, normalize_fast
from risk import access as risk_access

from .models import (
    HASHED_PHONE_PREFIX,
    DoNotCall,
    ExportRecord,
    PhoneReveal,
    RetentionPolicy,
    RetentionRun,
    RiskEvent,
    RiskPolicy,
    phone_hash,
)
from .signals import number_blocked


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def phone_reveal(
    *,
    user,
    lead,
    purpose: str = PhoneReveal.Purpose.REVEAL,
    reason: str = "",
    ip: str | None = None,
) -> str:
    """Show (or dial) `lead`'s full number to `user`, and log it. Returns the number.

    The caller has found `lead` through `leads.access.visible_leads`; whoever may open a
    lead may see its number when they need it, and the log says who did, when and why.
    """
    PhoneReveal.objects.create(
        user=user,
        lead=lead,
        phone_masked=mask(lead.phone),
        purpose=purpose,
        reason=(reason or "").strip()[:200],
        ip=ip,
    )
    return lead.phone


def export_allowed(user, kind: str) -> bool:
    return risk_access.can_export(user, kind)


def export_log(*, user, kind: str, query: dict, fmt: str, ip: str | None = None) -> ExportRecord:
    return ExportRecord.objects.create(user=user, kind=kind[:50], query=query, format=fmt, ip=ip)


def export_finish(*, record: ExportRecord, row_count: int, truncated: bool) -> None:
    ExportRecord.objects.filter(pk=record.pk).update(row_count=row_count, truncated=truncated)


def _export_opened(*, request, kind: str, query: dict, fmt: str) -> ExportRecord:
    return export_log(user=request.user, kind=kind, query=query, fmt=fmt, ip=client_ip(request))


def export_policy() -> ExportPolicy:
    """The export rules `crm.exports` applies (registered in `RiskConfig.ready`): the roles
    and row cap of the risk policy, every export logged as an `ExportRecord`."""
    return ExportPolicy(
        allowed=risk_access.can_export,
        limit=lambda: RiskPolicy.current().export_max_rows,
        opened=_export_opened,
        finished=export_finish,
    )


def risk_event_record(
    *,
    kind: str,
    user=None,
    lead=None,
    phone: str = "",
    channel: str = "",
    detail: str = "",
    count: int = 1,
) -> RiskEvent | None:
    """Note a refused contact or capture (what the risk dashboard counts)."""
    if count < 1:
        return None
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return RiskEvent.objects.create(
        kind=kind,
        user=user,
        lead=lead,
        phone_masked=mask(phone) if phone else "",
        channel=channel[:20],
        count=count,
        detail=str(detail)[:300],
    )


def refused_text(kind: str) -> str:
    return str(dict(RiskEvent.Kind.choices).get(kind, _("Refused")))


# --- the do-not-call list (免打扰名单) -----------------------------------------------------

REASON_LIMIT = 200


def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def do_not_call_add(
    *, phone: str, reason: str, source: str = DoNotCall.Source.ADMIN, by=None
) -> DoNotCall:
    """Put a number on the list (once) and announce it (`number_blocked`: leads closes
    the open leads of the number, keeping their owners).

    Raises ValidationError on "phone" (not a number), "reason" (missing, too long) or
    "source".
    """
    try:
        e164 = normalize_fast(phone).e164
    except InvalidPhone as error:
        raise ValidationError({"phone": [str(error)]}) from error
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say why this number must not be called.")]})
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            {"reason": [_("Too long: at most %(limit)d characters.") % {"limit": REASON_LIMIT}]}
        )
    if source not in DoNotCall.Source.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    entry, _created = DoNotCall.objects.get_or_create(
        phone=e164,
        defaults={"reason": reason, "source": source, "added_by": _user_or_none(by)},
    )
    number_blocked.send(sender=DoNotCall, reasons={e164: entry.reason})
    return entry


def do_not_call_add_many(
    *, entries: Iterable[tuple[str, str]], source: str, by_id: int | None, batch_size: int = 2000
) -> None:
    """Put many numbers on the list at once: (E.164 number, reason) pairs already checked
    and new to the list (an import's chunk). A number added meanwhile is left as it is.
    Announced with `number_blocked` like a single addition; call it inside a transaction."""
    reasons = dict(entries)
    if not reasons:
        return
    DoNotCall.objects.bulk_create(
        [
            DoNotCall(phone=e164, reason=reason, source=source, added_by_id=by_id)
            for e164, reason in reasons.items()
        ],
        batch_size=batch_size,
        ignore_conflicts=True,
    )
    number_blocked.send(sender=DoNotCall, reasons=reasons)


@transaction.atomic
def do_not_call_remove(*, phone: str, by=None) -> bool:
    """Take a number off the list (also when it is kept only as its hash); True if it was on
    it. Leads it closed stay closed."""
    try:
        e164 = normalize_fast(phone).e164
    except InvalidPhone:
        e164 = _text(phone)
    deleted, _rows = DoNotCall.objects.filter(
        Q(phone=e164) | Q(phone_hash=phone_hash(e164))
    ).delete()
    return bool(deleted)


def is_do_not_call(phone_e164: str) -> bool:
    return DoNotCall.objects.filter(
        Q(phone=phone_e164) | Q(phone_hash=phone_hash(phone_e164))
    ).exists()


def do_not_call_reason(phone_e164: str) -> str | None:
    """Why the number is on the list (as itself or as its hash), or None when it is not."""
    return (
        DoNotCall.objects.filter(Q(phone=phone_e164) | Q(phone_hash=phone_hash(phone_e164)))
        .values_list("reason", flat=True)
        .first()
    )


# --- retention (PIPL): how long personal data is kept -------------------------------------

logger = logging.getLogger(__name__)


def retention_periods() -> dict[str, tuple[int, bool]]:
    """kind -> (days, enabled): the administrators' rows, else each kind's built-in period."""
    rows = {row.kind: (row.days, row.enabled) for row in RetentionPolicy.objects.all()}
    return {
        code: rows.get(code, (kind.default_days, True)) for code, kind in retention.kinds().items()
    }


def retention_periods_install() -> None:
    """A row for every kind without one, at its built-in period (idempotent): what the
    admin lists, so every kind and its period is in sight."""
    RetentionPolicy.objects.bulk_create(
        [
            RetentionPolicy(kind=code, days=kind.default_days)
            for code, kind in retention.kinds().items()
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def retention_policy_set(*, kind: str, days: int, enabled: bool = True, by=None) -> RetentionPolicy:
    """Set how long `kind` is kept. Unknown kinds and periods under a day are refused."""
    if kind not in retention.kinds():
        raise ValidationError({"kind": _("There is no such kind of data.")})
    if not 1 <= int(days) <= 36500:
        raise ValidationError({"days": _("Keep it between 1 and 36500 days.")})
    row, _created = RetentionPolicy.objects.update_or_create(
        kind=kind, defaults={"days": int(days), "enabled": enabled, "updated_by": by}
    )
    return row


def apply_retention(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionRun:
    """Purge every kind older than its period (`crm.retention` hooks) and report it.

    Set-based and idempotent: each kind removes in batched statements what is past its
    cut-off and not purged yet, so a second run over the same data reports 0 everywhere.
    Each kind runs on its own (a failing kind is reported and the others still run); the
    report (`RetentionRun`) says per kind its period, cut-off and count, and one summary
    entry goes to the audit trail. `dry_run` counts without changing anything.
    """
    from .audit import record_bulk

    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now, dry_run=dry_run)
    report: dict[str, dict] = {}
    errors: list[str] = []
    kinds = retention.kinds()
    for code, (days, enabled) in retention_periods().items():
        if not enabled:
            report[code] = {"days": days, "skipped": True, "count": 0}
            continue
        cutoff = now - dt.timedelta(days=days)
        try:
            count = kinds[code].purge(cutoff=cutoff, now=now, dry_run=dry_run)
        except Exception as error:  # one kind failing must not keep the others
            logger.exception("retention of %s failed", code)
            errors.append(f"{code}: {error}")
            report[code] = {"days": days, "cutoff": cutoff.isoformat(), "count": 0, "failed": True}
            continue
        report[code] = {"days": days, "cutoff": cutoff.isoformat(), "count": count}
    run.report = report
    run.total = sum(entry["count"] for entry in report.values())
    run.error = "\n".join(errors)[:5000]
    run.finished_at = timezone.now()
    run.save(update_fields=["report", "total", "error", "finished_at"])
    if run.total and not dry_run:
        record_bulk(
            model_label="risk.retentionrun",
            object_id=str(run.pk),
            summary={code: entry["count"] for code, entry in report.items() if entry["count"]},
            description=f"Retention run {run.pk}",
        )
    return run


@transaction.atomic
def do_not_call_keep_hashed(*, phone_e164: str, reason: str, by=None) -> DoNotCall:
    """Keep `phone_e164` on the list only as its salted hash (an erasure): the entry of the
    number (or a new one) loses the number and keeps the hash; checks still refuse it.
    Idempotent. Sends no `number_blocked` (the erased person's leads are closed already)."""
    digest = phone_hash(phone_e164)
    hashed_phone = (HASHED_PHONE_PREFIX + digest)[: DoNotCall._meta.get_field("phone").max_length]
    entry = DoNotCall.objects.filter(phone_hash=digest).first()
    if entry is not None:
        DoNotCall.objects.filter(phone=phone_e164).exclude(pk=entry.pk).delete()
        return entry
    entry = DoNotCall.objects.filter(phone=phone_e164).first()
    if entry is None:
        return DoNotCall.objects.create(
            phone=hashed_phone,
            phone_hash=digest,
            reason=_text(reason)[:REASON_LIMIT],
            source=DoNotCall.Source.CUSTOMER,
            added_by=_user_or_none(by),
        )
    DoNotCall.objects.filter(pk=entry.pk).update(phone=hashed_phone, phone_hash=digest)
    entry.refresh_from_db()
    return entry

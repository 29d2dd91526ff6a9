"""Risk actions: log a phone reveal, an export, a refused contact.

Every record here is append-only; nothing in the product edits or deletes one.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm.exports import ExportPolicy
from crm.phones import mask
from risk import access as risk_access

from .models import ExportRecord, PhoneReveal, RiskEvent, RiskPolicy


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

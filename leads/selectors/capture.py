"""Read queries for capture pages and the API: imports, their rows, do-not-call, keys.

Everything starts from `crm.access`, so what a page lists is what the user may see.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from leads import access as leads_access
from risk import access as risk_access
from risk.models import DoNotCall

from ..models import ImportJob, ImportRow, InboundKey


def imports_for_list(user) -> QuerySet[ImportJob]:
    return (
        leads_access.visible_imports(user)
        .select_related("created_by", "campaign")
        .order_by("-created_at", "-pk")
    )


def import_for_user(user, pk: int) -> ImportJob | None:
    return imports_for_list(user).filter(pk=pk).first()


def import_rows(job: ImportJob, *, outcome: str | None = None) -> QuerySet[ImportRow]:
    """The duplicates and rejections of an import, in file order, with the lead they
    point to (its id only: the lead may be outside the user's scope)."""
    rows = ImportRow.objects.filter(job=job).order_by("row_number")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows


def earlier_import_of_same_file(user, job: ImportJob) -> ImportJob | None:
    """The same file (by content) imported before: re-importing it creates nothing new."""
    return (
        leads_access.visible_imports(user)
        .filter(sha256=job.sha256, created_at__lt=job.created_at)
        .exclude(pk=job.pk)
        .order_by("-created_at")
        .first()
    )


def do_not_call_for_list(user, *, search: str = "") -> QuerySet[DoNotCall]:
    rows = (
        risk_access.visible_do_not_call(user)
        .select_related("added_by")
        .order_by("-added_at", "-pk")
    )
    return do_not_call_search(rows, user, search)


def do_not_call_search(rows: QuerySet[DoNotCall], user, search: str) -> QuerySet[DoNotCall]:
    """The reason contains `search`, or the number matches it as `user` may search
    numbers (`risk.access.phone_search`: heads and inspectors see the list masked, so a
    run of digits finds only what the mask shows)."""
    search = (search or "").strip()
    if not search:
        return rows
    condition = Q(reason__icontains=search)
    if phone := risk_access.phone_search(user, search):
        condition |= phone
    return rows.filter(condition)


def inbound_keys_for_list(user) -> QuerySet[InboundKey]:
    """Inbound keys are configuration: admins see them, nobody else."""
    if not leads_access.can_configure_leads(user):
        return InboundKey.objects.none()
    return InboundKey.objects.select_related("campaign").order_by("-created_at", "-pk")

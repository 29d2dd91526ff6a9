"""What managers read: their team's leads with filters, and each agent's open load."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm import access, phones
from crm.models import Member, MemberStatus, Role
from leads import access as leads_access
from risk import access as risk_access

from ..models import OPEN_STATUSES, Assignment, Lead
from ..services.distribution import CAPACITY_KINDS, day_start


def team_leads(user, *, filters: dict | None = None) -> QuerySet[Lead]:
    """The leads `user` may see, filtered as the team page and the export ask.

    `filters` holds cleaned values: agent (a user), status, grade, channel, region (part
    of), overdue (follow-up time passed), pool (True: unowned only) and q — a phone
    number is normalized and looked up exactly (the unique index on phone), anything
    else searches names, companies and the phone as `risk.access.phone_search` allows.
    """
    filters = filters or {}
    rows = leads_access.visible_leads(user).select_related("owner", "team")
    if agent := filters.get("agent"):
        rows = rows.filter(owner=agent)
    if filters.get("pool"):
        rows = rows.filter(owner__isnull=True)
    for name in ("status", "grade", "channel"):
        if value := filters.get(name):
            rows = rows.filter(**{name: value})
    if region := filters.get("region"):
        rows = rows.filter(region__contains=region)
    if filters.get("overdue"):
        rows = rows.filter(status__in=OPEN_STATUSES, next_followup_at__lt=timezone.now())
    if q := (filters.get("q") or "").strip():
        phone = phones.normalize_or_none(q) if any(ch.isdigit() for ch in q) else None
        by_phone = None if phone else risk_access.phone_search(user, q)
        if phone:
            rows = rows.filter(phone=phone)
        elif phones.looks_like_number(q):
            # What the mask shows (`5635`), or any digits for who sees numbers in full.
            rows = rows.filter(by_phone) if by_phone else rows.none()
        else:
            condition = Q(name__icontains=q) | Q(company__icontains=q)
            if by_phone:
                condition |= by_phone
            rows = rows.filter(condition)
    return rows.order_by("-created_at", "-pk")


def matching_count(user, *, filters: dict | None = None, cap: int = 5000) -> int:
    """How many leads the filters match, counted up to `cap` + 1 (unordered, as the
    page's capped paginator counts)."""
    return team_leads(user, filters=filters).order_by()[: cap + 1].count()


def selected_leads(user, *, lead_ids: list[int]) -> QuerySet[Lead]:
    """The ticked leads `user` may see (for exporting a selection), in the list's order."""
    return (
        leads_access.visible_leads(user)
        .filter(pk__in=lead_ids)
        .select_related("owner", "team")
        .order_by("-created_at", "-pk")
    )


def agent_loads(user) -> QuerySet[Member]:
    """The agents `user` may see with their open leads and today's assignments (one query).

    Both numbers are correlated subqueries counting `*`, not `id`: the open-lead count
    reads only the `lead_worklist` index (owner, status, …), an index-only scan, instead of
    visiting every open lead's row (41,586 table blocks for a 13-agent team at 1M leads).
    """
    open_leads = (
        Lead.objects.filter(owner_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    today = (
        Assignment.objects.filter(
            to_user_id=OuterRef("user_id"), kind__in=CAPACITY_KINDS, at__gte=day_start()
        )
        .order_by()
        .values("to_user_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        access.visible_members(user)
        .filter(role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .select_related("user", "team")
        .annotate(
            open_leads=Coalesce(Subquery(open_leads, output_field=IntegerField()), 0),
            assigned_today=Coalesce(Subquery(today, output_field=IntegerField()), 0),
        )
        .order_by("team__name", "employee_no")
    )

"""What managers read: their team's leads with filters, and each agent's open load."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access, phones
from crm.models import Member, MemberStatus, Role, Team
from crm.services import HandoverItem
from leads import access as leads_access
from risk import access as risk_access

from ..db import loads
from ..models import OPEN_STATUSES, Assignment, Lead
from ..services.assignment import handover_preview
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


def agent_loads(user) -> list[Member]:
    """The agents `user` may see with their open leads and today's assignments (three
    queries whatever the number of agents).

    The open-lead count is the one the database keeps (`leads.db.loads`: a base row and a
    few deltas per agent on PostgreSQL), read for all the agents in one grouped statement;
    today's assignments are few and counted in another. Neither is a per-agent subquery:
    a center head's 500 agents would each cost their own index probes.
    """
    members = list(
        access.visible_members(user)
        .filter(role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .select_related("user", "team")
        .order_by("team__name", "employee_no")
    )
    user_ids = [member.user_id for member in members]
    open_leads = loads.open_leads_by_user(user_ids)
    assigned = dict(
        Assignment.objects.filter(kind__in=CAPACITY_KINDS, at__gte=day_start())
        .filter(to_user_id__in=user_ids)
        .order_by()
        .values_list("to_user_id")
        .annotate(n=Count("*"))
    )
    for member in members:
        member.open_leads = open_leads.get(member.user_id, 0)
        member.assigned_today = assigned.get(member.user_id, 0)
    return members


def handover_items(member: Member, status: str) -> list[HandoverItem]:
    """The leads `member` would hand over on going to `status`: open leads and the
    follow-ups among them due by the end of today, with who receives how many by the
    hand-over rule (`leads.services.assignment.handover_preview`: the plan the hand-over
    job then carries out), agents by name and pools by team."""
    plan = handover_preview(member=member, status=status)
    end_of_day = day_start() + dt.timedelta(days=1)
    due = set(
        Lead.objects.filter(
            owner_id=member.user_id,
            status__in=OPEN_STATUSES,
            next_followup_at__lt=end_of_day,
        ).values_list("pk", flat=True)
    )
    receivers = {move[0]: (move[2], move[3]) for move in plan.moves}
    users = {
        pk: f"{first} {last}".strip() or username
        for pk, first, last, username in get_user_model()
        .objects.filter(pk__in={to for to, _team in receivers.values() if to})
        .values_list("pk", "first_name", "last_name", "username")
    }
    teams = dict(
        Team.objects.filter(
            pk__in={team for to, team in receivers.values() if not to and team}
        ).values_list("pk", "name")
    )

    def who(to: int | None, team: int | None) -> str:
        if to:
            return users.get(to, str(to))
        if team:
            return _("the pool of team %(team)s") % {"team": teams.get(team, team)}
        return _("the center pool")

    def tally(lead_ids) -> list[tuple[str, int]]:
        counts = Counter(who(*receivers[pk]) for pk in lead_ids if pk in receivers)
        return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

    return [
        HandoverItem(_("Open leads"), len(receivers), tally(receivers)),
        HandoverItem(_("Follow-ups due by tonight"), len(due), tally(due)),
    ]

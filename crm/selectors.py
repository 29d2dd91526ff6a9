"""Read-side queries for the org pages, already scoped through `crm.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .access import visible_departments, visible_members, visible_memberships, visible_teams
from .models import Department, Member, MemberEvent, MemberStatus, Team

IN_SEAT = ~Q(status=MemberStatus.LEFT)

# What showing a user by name reads (`person`, `crm.api.user_name`).
PERSON_FIELDS = ("id", "username", "first_name", "last_name")


def person_fields(relation: str) -> tuple[str, ...]:
    """`relation`'s name columns, for `.only()` on a query that joins a user only to name
    them: a timeline row then reads four columns of each person, not eleven."""
    return tuple(f"{relation}__{name}" for name in PERSON_FIELDS)


def member_extension(user) -> str:
    """The desk phone extension of `user` ("" for none). The signed-in user's member row
    comes with the user (`crm.auth.MemberBackend`), so on a request this reads nothing."""
    if Member.user.field.remote_field.is_cached(user):
        member = Member.user.field.remote_field.get_cached_value(user)
        return (member.extension if member is not None else "") or ""
    return Member.objects.filter(user_id=user.pk).values_list("extension", flat=True).first() or ""


def members_for_list(user) -> QuerySet[Member]:
    return (
        visible_members(user)
        .select_related("user", "team", "team__department")
        .prefetch_related("skills")
    )


def teams_with_headcount(user) -> QuerySet[Team]:
    """Teams with their manager and live headcount by status, counted in SQL."""
    return (
        visible_teams(user)
        .select_related("department", "manager")
        .annotate(
            headcount=Count("members", filter=~Q(members__status=MemberStatus.LEFT)),
            active_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)),
            onboarding_count=Count("members", filter=Q(members__status=MemberStatus.ONBOARDING)),
            on_leave_count=Count("members", filter=Q(members__status=MemberStatus.ON_LEAVE)),
        )
    )


@dataclass
class DepartmentNode:
    department: Department
    teams: list[Team] = field(default_factory=list)
    children: list[DepartmentNode] = field(default_factory=list)

    @property
    def headcount(self) -> int:
        return sum(t.headcount for t in self.teams) + sum(c.headcount for c in self.children)

    @property
    def target(self) -> int:
        return sum(t.target_size for t in self.teams) + sum(c.target for c in self.children)


def seated_members(user) -> QuerySet[Member]:
    """Members in a seat (not left) that `user` may see, managers first."""
    return (
        visible_members(user).filter(IN_SEAT).select_related("user").order_by("role", "employee_no")
    )


def org_tree(user) -> list[DepartmentNode]:
    """The visible part of the org as a forest, in two queries whatever its size.

    Without members: a center of 2,000 agents would otherwise send them all at once; each
    team's members load when it is opened (`seated_members`).
    """
    departments = list(visible_departments(user).select_related("head").order_by("path"))
    teams = teams_with_headcount(user).order_by("name")
    nodes = {d.pk: DepartmentNode(d) for d in departments}
    for team in teams:
        node = nodes.get(team.department_id)
        if node is not None:
            node.teams.append(team)
    roots: list[DepartmentNode] = []
    for d in departments:
        parent = nodes.get(d.parent_id) if d.parent_id else None
        (parent.children if parent else roots).append(nodes[d.pk])
    return roots


def member_history(member: Member):
    memberships = member.memberships.select_related("team", "moved_by").order_by("-started_at")
    events = member.events.select_related("by").order_by("-at", "-id")[:50]
    return memberships, events


def recent_member_events(user, *, limit: int = 10) -> QuerySet[MemberEvent]:
    return (
        MemberEvent.objects.filter(member__in=visible_members(user))
        .select_related("member__user", "by")
        .order_by("-at", "-id")[:limit]
    )


def attrition_this_month(user) -> dict[str, int]:
    """Leavers and hires this month among the members the user sees."""
    today = timezone.localdate()
    first = today.replace(day=1)
    members = visible_members(user)
    return members.aggregate(
        leavers=Count("pk", filter=Q(status=MemberStatus.LEFT, leave_date__gte=first)),
        hires=Count("pk", filter=Q(hire_date__gte=first)),
        in_seat=Count("pk", filter=IN_SEAT),
        onboarding=Count("pk", filter=Q(status=MemberStatus.ONBOARDING)),
        on_leave=Count("pk", filter=Q(status=MemberStatus.ON_LEAVE)),
    )


def team_members_at(user, *, team: Team, at: dt.datetime) -> QuerySet:
    """Members who were in `team` at the moment `at` (for KPIs per team over time)."""
    return (
        visible_memberships(user)
        .filter(team=team, started_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .select_related("member__user")
    )

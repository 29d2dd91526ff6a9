"""Who sees what: the scope kernel every app's rules are built on, and the org's own rules.

The rule (see README): an agent sees their own records; a team manager their team's; a
department head every team in their subtree; an administrator everything. Quality
inspectors review every team's work, so they read everything too (what they may *change*
is decided by the permission predicates, not by the scope).

Every page, API view, export and search gets its rows through `restrict()` or one of the
`visible_*()` selectors: the org's below, each business app's in its own `access.py`
(`leads.access`, `orders.access`, ...), all built on `scope_of()` and `restrict()`. A row
outside the scope is simply absent, so a detail view built on these answers 404 for
"forbidden" exactly as for "missing".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from .models import Department, Member, Notification, Role, Team, TeamMembership

_CACHE_ATTR = "_crm_scope"
_FULL_NUMBERS_ATTR = "_crm_sees_full_numbers"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    role: str | None
    sees_all: bool
    # Teams whose members' records are visible: a manager's own team; for a head, every
    # team in their subtrees, resolved once per request so that row filters are a short
    # `team_id IN (...)` instead of joins through departments on million-row tables.
    team_ids: frozenset[int]
    # Subtrees (materialized paths) a head heads (for the departments themselves).
    department_paths: tuple[str, ...]
    own_team_id: int | None
    # The users who are members of those teams now (managers included), read in the same
    # query: "an owner in one of my teams" is then `owner_id IN (...)` on the row's own
    # indexed column, not a join through users and members that rules indexes out
    # (measured: docs/operations.md, "Measured choices").
    member_user_ids: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def team_q(self, team_field: str) -> Q:
        """Rows whose `team_field` (a path to a Team, "" for teams themselves) is in scope."""
        if not self.team_ids:
            return Q(pk__in=[])
        return Q(**{f"{team_field}__in" if team_field else "pk__in": self.team_ids})


# Up to this many members, "an owner in my teams" is a literal id list (a manager's team, a
# division); beyond it, a head of hundreds of agents, the join on members is cheaper to plan
# and their rows are most rows anyway (measured: docs/operations.md, "Measured choices").
MEMBER_LIST_LIMIT = 200

NOBODY = Scope(None, None, False, frozenset(), (), None)


def scope_of(user) -> Scope:
    """The user's scope, computed once per request (memoized on the user object)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    member = _member_of(user)
    role = member.role if member else None
    if user.is_superuser:
        role = Role.ADMIN
    if not user.is_active or (member is None and not user.is_superuser):
        scope = NOBODY
    elif role in (Role.ADMIN, Role.INSPECTOR):
        scope = Scope(user.pk, role, True, frozenset(), (), member.team_id if member else None)
    else:
        team_ids: set[int] = set()
        member_user_ids: set[int] = set()
        paths: tuple[str, ...] = ()
        if role == Role.DEPARTMENT_HEAD:
            paths = _outermost(Department.objects.filter(head=user).values_list("path", flat=True))
        if role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD):
            teams = Q(manager=user)
            for path in paths:
                teams |= Q(department__path__startswith=path)
            for team_id, member_user_id in (
                Team.objects.filter(teams).order_by().values_list("pk", "members__user_id")
            ):
                team_ids.add(team_id)
                if member_user_id is not None:
                    member_user_ids.add(member_user_id)
        scope = Scope(
            user.pk,
            role,
            False,
            frozenset(team_ids),
            paths,
            member.team_id,
            frozenset(member_user_ids),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the memoized scope after the user's role, team or headship changed."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _member_of(user) -> Member | None:
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def _outermost(paths) -> tuple[str, ...]:
    """Drop paths already inside another one, so filters stay short."""
    result: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(result)


def restrict(
    queryset: QuerySet,
    user,
    *,
    owner: str,
    team: str | None = None,
    owner_team: str | None = None,
) -> QuerySet:
    """Keep the rows of `queryset` that `user` may see.

    `owner` is the path to the user who owns a row ("user", "owner", "lead__owner");
    an owner counts for the team they are in now (by default: the owner is one of the
    scope's `member_user_ids`; pass `owner_team`, the path to a team, when the row records
    its own team, as orders do). `team`, when
    given, is the path to the team a row belongs to itself (a lead waiting in a team's
    pool has a team but no owner).
    """
    scope = scope_of(user)
    if scope.sees_all:
        return queryset
    if scope.user_id is None:
        return queryset.none()
    if owner_team or len(scope.member_user_ids) > MEMBER_LIST_LIMIT:
        q = Q(**{owner: scope.user_id}) | scope.team_q(owner_team or f"{owner}__member__team")
    else:
        q = Q(**{f"{owner}__in": sorted({scope.user_id, *scope.member_user_ids})})
    if team:
        q |= scope.team_q(team)
    return queryset.filter(q)


# --- the org itself -----------------------------------------------------------------------


def visible_members(user) -> QuerySet[Member]:
    return restrict(Member.objects.all(), user, owner="user", owner_team="team")


def visible_teams(user) -> QuerySet[Team]:
    scope = scope_of(user)
    if scope.sees_all:
        return Team.objects.all()
    if scope.user_id is None:
        return Team.objects.none()
    q = scope.team_q("")
    if scope.own_team_id:
        q |= Q(pk=scope.own_team_id)
    return Team.objects.filter(q)


def visible_departments(user) -> QuerySet[Department]:
    """A head sees their subtrees; others see the departments of the teams they see."""
    scope = scope_of(user)
    if scope.sees_all:
        return Department.objects.all()
    if scope.user_id is None:
        return Department.objects.none()
    q = Q(pk__in=visible_teams(user).values("department"))
    for path in scope.department_paths:
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


def visible_memberships(user) -> QuerySet[TeamMembership]:
    return restrict(
        TeamMembership.objects.all(),
        user,
        owner="member__user",
        owner_team="member__team",
        team="team",
    )


def notifications_of(user_id: int) -> QuerySet[Notification]:
    """The notifications addressed to `user_id` (what `own_notifications` reads for a
    user with a scope; the menu's prepared query is built on it)."""
    return Notification.objects.filter(user_id=user_id)


def own_notifications(user) -> QuerySet[Notification]:
    """Notifications are personal: everyone, admins included, sees only their own."""
    scope = scope_of(user)
    if scope.user_id is None:
        return Notification.objects.none()
    return notifications_of(scope.user_id)


# --- what a user may change in the org ----------------------------------------------------


def can_manage_org(user) -> bool:
    """Departments, teams, staff and moves are configured by administrators."""
    return scope_of(user).is_admin


def can_see_team_pages(user) -> bool:
    return scope_of(user).role in (
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
        Role.INSPECTOR,
    )


# --- helpers for the apps' own rules -----------------------------------------------------


def staff_or_none(user, queryset: QuerySet) -> QuerySet:
    """`queryset` for any member of staff (the center's catalogs and rules), else nothing."""
    return queryset if scope_of(user).user_id is not None else queryset.none()


def admin_or_none(user, queryset: QuerySet) -> QuerySet:
    """`queryset` for an administrator (keys, policies, routing), else nothing."""
    return queryset if scope_of(user).is_admin else queryset.none()

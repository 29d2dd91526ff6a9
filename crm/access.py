"""Who sees what: the only place in the code that decides it.

The rule (see README): an agent sees their own records; a team manager their team's; a
department head every team in their subtree; an administrator everything. Quality
inspectors review every team's work, so they read everything too (what they may *change*
is decided by the permission predicates at the bottom, not by the scope).

Every page, API view, export and search gets its rows through `restrict()` or one of the
`visible_*()` selectors below. A row outside the scope is simply absent, so a detail view
built on these answers 404 for "forbidden" exactly as for "missing".
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
    # (a manager's team leads: 120 ms as a join, 18 ms as a list, on the load data).
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
# and their rows are most rows anyway (phone search as the center head: 6 ms joined, 11 ms
# with a list of 541 ids).
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


def own_notifications(user) -> QuerySet[Notification]:
    """Notifications are personal: everyone, admins included, sees only their own."""
    scope = scope_of(user)
    if scope.user_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=scope.user_id)


# --- leads and the work on them ---------------------------------------------------------
# Imported lazily: the leads app builds on crm, not the other way round.


def visible_leads(user) -> QuerySet:
    """Leads a user may open: their own; their scope's agents' and teams' (pool) leads."""
    from leads.models import Lead

    return restrict(Lead.objects.all(), user, owner="owner", team="team")


def visible_pool(user) -> QuerySet:
    """Open, unowned leads a user may see in the public pool (公海).

    Agents see their own team's pool and the center's (leads with no team); managers and
    heads see the pools of their teams and the center's; admins and inspectors all.
    """
    from leads.models import OPEN_STATUSES, Lead

    pool = Lead.objects.filter(owner__isnull=True, status__in=OPEN_STATUSES)
    scope = scope_of(user)
    if scope.sees_all:
        return pool
    if scope.user_id is None:
        return pool.none()
    q = Q(team__isnull=True) | scope.team_q("team")
    if scope.own_team_id:
        q |= Q(team_id=scope.own_team_id)
    return pool.filter(q)


def visible_followups(user) -> QuerySet:
    from leads.models import FollowUp

    return restrict(FollowUp.objects.all(), user, owner="agent")


def visible_calls(user) -> QuerySet:
    from leads.models import Call

    return restrict(Call.objects.all(), user, owner="agent")


def visible_assignments(user) -> QuerySet:
    from leads.models import Assignment

    return restrict(Assignment.objects.all(), user, owner="lead__owner", team="lead__team")


def visible_imports(user) -> QuerySet:
    """Import jobs are seen like their author's records: an agent sees only the imports
    they made themselves (agents import their own lists); a manager their team's, their
    agents' included; a head their subtree's; admins and inspectors all of them."""
    from leads.models import ImportJob

    return restrict(ImportJob.objects.all(), user, owner="created_by")


def visible_do_not_call(user) -> QuerySet:
    """The do-not-call list itself is for admins, heads and inspectors; agents only get
    told that a number is on it."""
    from risk.models import DoNotCall

    scope = scope_of(user)
    if scope.sees_all or scope.role == Role.DEPARTMENT_HEAD:
        return DoNotCall.objects.all()
    return DoNotCall.objects.none()


# --- what a user may change ---------------------------------------------------------------


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


def can_manage_leads(user) -> bool:
    """Reassign, bulk-assign and export leads (within their scope)."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_configure_leads(user) -> bool:
    """Scoring and routing rules, the do-not-call list, the lead policy, inbound keys."""
    return scope_of(user).is_admin


def can_work_leads(user) -> bool:
    """Claim from the pool and log follow-ups: agents and managers (who also sell)."""
    return scope_of(user).role in (Role.AGENT, Role.TEAM_MANAGER)


# --- after-sales: service tickets, revisits, improvement items ---------------------------
# An agent sees the tickets and revisits assigned to them and those on their customers; a
# manager their team's (the ticket's team, the order's team for a revisit); a head their
# subtree's; admins and inspectors all.


def visible_tickets(user) -> QuerySet:
    from aftersales.models import ServiceTicket

    scope = scope_of(user)
    if scope.sees_all:
        return ServiceTicket.objects.all()
    if scope.user_id is None:
        return ServiceTicket.objects.none()
    uid = scope.user_id
    q = Q(assignee_id=uid) | Q(opened_by_id=uid) | Q(lead__owner_id=uid) | scope.team_q("team")
    return ServiceTicket.objects.filter(q)


def visible_revisits(user) -> QuerySet:
    from aftersales.models import Revisit

    scope = scope_of(user)
    if scope.sees_all:
        return Revisit.objects.all()
    if scope.user_id is None:
        return Revisit.objects.none()
    uid = scope.user_id
    q = Q(assignee_id=uid) | Q(lead__owner_id=uid) | scope.team_q("order__team")
    return Revisit.objects.filter(q)


def visible_improvements(user) -> QuerySet:
    from aftersales.models import ImprovementItem

    scope = scope_of(user)
    if scope.sees_all:
        return ImprovementItem.objects.all()
    if scope.user_id is None:
        return ImprovementItem.objects.none()
    uid = scope.user_id
    q = Q(owner_id=uid) | Q(created_by_id=uid) | scope.team_q("team")
    return ImprovementItem.objects.filter(q)


def visible_revisit_plans(user) -> QuerySet:
    """Revisit plans are the center's configuration: every member may read them."""
    from aftersales.models import RevisitPlan

    if scope_of(user).user_id is None:
        return RevisitPlan.objects.none()
    return RevisitPlan.objects.all()


def can_work_service(user) -> bool:
    """Open tickets and record revisits: everyone but inspectors (who only read)."""
    return scope_of(user).role in (
        Role.AGENT,
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
    )


def can_manage_service(user) -> bool:
    """See the team's service work, reassign tickets and revisits, own improvements."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_configure_service(user) -> bool:
    """Revisit plans and ticket SLAs are set by administrators."""
    return scope_of(user).is_admin


def can_work_ticket(user, ticket) -> bool:
    """Move a ticket: its assignee, or a manager, head or admin who sees it."""
    scope = scope_of(user)
    if scope.user_id is None or not can_work_service(user):
        return False
    if ticket.assignee_id == scope.user_id:
        return True
    return can_manage_service(user) and visible_tickets(user).filter(pk=ticket.pk).exists()


def can_record_revisit(user, revisit) -> bool:
    """Record a revisit's outcome: its assignee, or a manager, head or admin who sees it."""
    scope = scope_of(user)
    if scope.user_id is None or not can_work_service(user):
        return False
    if revisit.assignee_id == scope.user_id:
        return True
    return can_manage_service(user) and visible_revisits(user).filter(pk=revisit.pk).exists()


# --- orders -------------------------------------------------------------------------------
# An order counts for the team it was sold in (`Order.team`, the agent's team at the time),
# so a manager sees the orders sold in their teams: `agent = me OR team IN (...)`, which the
# (agent, -created_at) and (team, -created_at) indexes answer without joining members.


def visible_orders(user) -> QuerySet:
    """Orders: an agent their own; a manager their teams'; a head their subtree's;
    admins and inspectors all."""
    from orders.models import Order

    return restrict(Order.objects.all(), user, owner="agent", owner_team="team")


def visible_order_events(user) -> QuerySet:
    from orders.models import OrderEvent

    return restrict(OrderEvent.objects.all(), user, owner="order__agent", owner_team="order__team")


def visible_sales_entries(user) -> QuerySet:
    from orders.models import SalesEntry

    return restrict(SalesEntry.objects.all(), user, owner="agent", owner_team="team")


def visible_products(user) -> QuerySet:
    """The catalog is read by all staff (inactive products too, for old orders)."""
    from orders.models import Product

    if scope_of(user).user_id is None:
        return Product.objects.none()
    return Product.objects.all()


def can_take_orders(user) -> bool:
    """Turn a lead into an order: those who work leads (agents and managers)."""
    return scope_of(user).role in (Role.AGENT, Role.TEAM_MANAGER)


def can_manage_orders(user) -> bool:
    """Step in on any order in scope (move it, export the list): managers, heads, admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_approve_discounts(user) -> bool:
    """Approve or reject a discount beyond the seller's limit (on orders in scope)."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_manage_catalog(user) -> bool:
    """Products and discount limits are kept by administrators."""
    return scope_of(user).is_admin


# --- training (courses, enrollments, promotions, scripts, cases) -------------------------
# Courses, call scripts, promotion levels and the case library are readable by all staff;
# enrollments, the training history and promotion proposals follow the member they are
# about (own / team / subtree / all).


def _staff_or_none(user, queryset: QuerySet) -> QuerySet:
    return queryset if scope_of(user).user_id is not None else queryset.none()


def visible_courses(user) -> QuerySet:
    """Every staff member sees the active courses; administrators the retired ones too."""
    from training.models import Course

    scope = scope_of(user)
    if scope.is_admin:
        return Course.objects.all()
    return _staff_or_none(user, Course.objects.filter(active=True))


def visible_training_sessions(user) -> QuerySet:
    from training.models import Session

    return Session.objects.filter(course__in=visible_courses(user))


def visible_materials(user) -> QuerySet:
    from training.models import Material

    return Material.objects.filter(course__in=visible_courses(user))


def visible_enrollments(user) -> QuerySet:
    from training.models import Enrollment

    return restrict(Enrollment.objects.all(), user, owner="member__user", owner_team="member__team")


def visible_training_events(user) -> QuerySet:
    from training.models import TrainingEvent

    return restrict(
        TrainingEvent.objects.all(), user, owner="member__user", owner_team="member__team"
    )


def visible_promotion_levels(user) -> QuerySet:
    from training.models import PromotionLevel

    return _staff_or_none(user, PromotionLevel.objects.all())


def visible_promotion_proposals(user) -> QuerySet:
    from training.models import PromotionProposal

    return restrict(
        PromotionProposal.objects.all(), user, owner="member__user", owner_team="member__team"
    )


def visible_call_scripts(user) -> QuerySet:
    from training.models import CallScript

    return _staff_or_none(user, CallScript.objects.all())


def visible_cases(user) -> QuerySet:
    from training.models import Case

    return _staff_or_none(user, Case.objects.all())


def visible_case_comments(user) -> QuerySet:
    from training.models import CaseComment

    return _staff_or_none(user, CaseComment.objects.all())


def can_configure_training(user) -> bool:
    """Courses, sessions, materials, promotion levels and call scripts: administrators."""
    return scope_of(user).is_admin


def can_manage_training(user) -> bool:
    """Enroll agents (a manager their own team's) and record results: managers and admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.ADMIN)


def can_see_team_training(user) -> bool:
    return scope_of(user).role in (
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
        Role.INSPECTOR,
    )


def can_propose_promotion(user) -> bool:
    """A manager proposes promotions for their team (admins may too)."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.ADMIN)


def can_approve_promotion(user) -> bool:
    """Heads approve promotions in their subtree; admins anywhere."""
    return scope_of(user).role in (Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_feature_case(user) -> bool:
    """Managers feature a case for their team; heads and admins for teams they see."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


# --- risk controls: phone numbers, exports, the risk pages --------------------------------
# The settings live in `risk.models.RiskPolicy` (admin-editable, cached: no query per row).


def sees_full_numbers(user) -> bool:
    """May `user` read customers' full phone numbers without revealing them one by one?

    By default only administrators: agents see their own leads masked too, and use the
    logged "reveal" or click-to-call on the lead page when they need the number.
    """
    from risk.models import RiskPolicy

    scope = scope_of(user)
    if scope.role is None:
        return False
    # Memoized on the user like the scope: `phone_for` asks once per row (serializers,
    # list templates), and the policy comes from a cache that may be a network call.
    cached = getattr(user, _FULL_NUMBERS_ATTR, None)
    if cached is None:
        cached = scope.role in RiskPolicy.current().full_number_roles
        setattr(user, _FULL_NUMBERS_ATTR, cached)
    return cached


def phone_for(user, e164: str | None) -> str:
    """The phone number as `user` may see it: in full, or masked (`139****0945`).

    Every page, API serializer, export and search result of every app shows phones
    through this (or the `phone_for` template filter in `crm_tags`).
    """
    from leads.phones import mask

    if not e164:
        return ""
    return e164 if sees_full_numbers(user) else mask(e164)


def can_export(user, kind: str = "") -> bool:
    """Downloads (of any `kind`) are for the roles the risk policy names."""
    from risk.models import RiskPolicy

    scope = scope_of(user)
    return scope.role is not None and scope.role in RiskPolicy.current().export_roles


def can_see_risk(user) -> bool:
    """The risk dashboard and the export log: administrators and heads (scoped)."""
    return scope_of(user).role in (Role.ADMIN, Role.DEPARTMENT_HEAD)


def can_see_exports(user) -> bool:
    """Who exported what: managers for their team, heads for their subtree, admins all."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_search_audit(user) -> bool:
    return scope_of(user).is_admin


def visible_exports(user) -> QuerySet:
    from risk.models import ExportRecord

    if not can_see_exports(user):
        return ExportRecord.objects.none()
    return restrict(ExportRecord.objects.all(), user, owner="user")


def visible_reveals(user) -> QuerySet:
    from risk.models import PhoneReveal

    if not can_see_risk(user):
        return PhoneReveal.objects.none()
    return restrict(PhoneReveal.objects.all(), user, owner="user")


def visible_risk_events(user) -> QuerySet:
    from risk.models import RiskEvent

    if not can_see_risk(user):
        return RiskEvent.objects.none()
    return restrict(RiskEvent.objects.all(), user, owner="user")


def visible_audit_entries(user) -> QuerySet:
    """The whole trail is searched by administrators; a record's own entries are shown on
    its timeline to whoever may open the record (see `audit_entries_for`)."""
    from risk.models import AuditEntry

    if not can_search_audit(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.all()


# --- performance: scorecards, targets, quality scores, reviews, incentives, plans --------
# An agent sees their own scorecard (with their rank, never the others' figures), targets,
# quality scores, reviews, approved incentives and improvement plans. A manager sees their
# teams' agents and the teams themselves; a head their subtree (teams and departments);
# admins and inspectors everything. Records about an agent follow the agent's team now,
# like every other per-agent record.


def _subject_q(scope: Scope) -> Q:
    """Agent-, team- and department-level rows (targets, scorecards) in a scope."""
    q = Q(level="agent", agent_id=scope.user_id)
    if scope.role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD):
        if len(scope.member_user_ids) > MEMBER_LIST_LIMIT:
            q |= Q(level="agent") & scope.team_q("agent__member__team")
        else:
            q |= Q(level="agent", agent_id__in=scope.member_user_ids)
        q |= Q(level="team") & scope.team_q("team")
    for path in scope.department_paths:
        q |= Q(level="department", department__path__startswith=path)
    return q


def _subject_rows(user, queryset: QuerySet) -> QuerySet:
    scope = scope_of(user)
    if scope.sees_all:
        return queryset
    if scope.user_id is None:
        return queryset.none()
    return queryset.filter(_subject_q(scope))


def visible_scorecards(user) -> QuerySet:
    from performance.models import Scorecard

    return _subject_rows(user, Scorecard.objects.all())


def visible_scorecard_values(user) -> QuerySet:
    from performance.models import ScorecardValue

    return ScorecardValue.objects.filter(scorecard__in=visible_scorecards(user))


def visible_targets(user) -> QuerySet:
    from performance.models import Target

    return _subject_rows(user, Target.objects.all())


def visible_indicators(user) -> QuerySet:
    """KPI definitions and weights are the center's rules: every member reads them."""
    from performance.models import Indicator

    return _staff_or_none(user, Indicator.objects.all())


def visible_kpi_weights(user) -> QuerySet:
    from performance.models import KpiWeight

    return _staff_or_none(user, KpiWeight.objects.all())


def visible_quality_scores(user) -> QuerySet:
    from performance.models import QualityScore

    return restrict(QualityScore.objects.all(), user, owner="agent")


def visible_evaluations(user) -> QuerySet:
    from performance.models import Evaluation

    return restrict(Evaluation.objects.all(), user, owner="agent")


def visible_evaluation_ratings(user) -> QuerySet:
    """Ratings of the reviews a user sees (who gave a peer rating is hidden from the rated
    agent by the pages and the API, not by this filter)."""
    from performance.models import EvaluationRating

    return EvaluationRating.objects.filter(evaluation__in=visible_evaluations(user))


def visible_development_plans(user) -> QuerySet:
    from performance.models import DevelopmentPlan

    return restrict(DevelopmentPlan.objects.all(), user, owner="agent")


def visible_incentives(user) -> QuerySet:
    """Agents see the rewards and penalties decided for them, not proposals under review."""
    from performance.models import Incentive

    rows = restrict(Incentive.objects.all(), user, owner="agent", owner_team="team")
    if scope_of(user).role == Role.AGENT:
        rows = rows.filter(status=Incentive.Status.APPROVED)
    return rows


def visible_improvement_plans(user) -> QuerySet:
    from performance.models import ImprovementPlan

    return restrict(ImprovementPlan.objects.all(), user, owner="agent", owner_team="team")


def visible_coaching_sessions(user) -> QuerySet:
    from performance.models import CoachingSession

    return CoachingSession.objects.filter(plan__in=visible_improvement_plans(user))


def can_see_team_performance(user) -> bool:
    """Team dashboards, leaderboards and other agents' scorecards."""
    return scope_of(user).role in (
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
        Role.INSPECTOR,
    )


def can_configure_performance(user) -> bool:
    """Indicators and weights: administrators."""
    return scope_of(user).is_admin


def can_set_targets(user) -> bool:
    """Managers set their agents' targets; heads their teams' and agents'; admins all."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_score_quality(user) -> bool:
    """Inspectors score any call or follow-up; managers and heads those in their scope."""
    return scope_of(user).role in (
        Role.INSPECTOR,
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
    )


def can_manage_performance(user) -> bool:
    """Open reviews, propose incentives, open improvement plans: managers, heads, admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_decide_incentives(user) -> bool:
    """Department heads approve or reject incentives in their subtree; admins anywhere."""
    return scope_of(user).role in (Role.DEPARTMENT_HEAD, Role.ADMIN)


def peer_evaluations(user) -> QuerySet:
    """Open 360 reviews an agent may rate as a peer: their active teammates' (not their own).

    Only the rating form is shown to a peer; the review itself stays the agent's and their
    managers' (`visible_evaluations`).
    """
    from performance.models import Evaluation

    scope = scope_of(user)
    if scope.role != Role.AGENT or not scope.own_team_id:
        return Evaluation.objects.none()
    if not Member.objects.filter(user_id=scope.user_id, status="active").exists():
        return Evaluation.objects.none()
    return Evaluation.objects.filter(
        status=Evaluation.Status.OPEN,
        agent__member__team_id=scope.own_team_id,
        agent__member__role=Role.AGENT,
    ).exclude(agent_id=scope.user_id)

"""Who sees which leads and the work on them, and who may act on them.

Built on the scope kernel (`crm.access.scope_of` / `restrict`): an agent sees their own
leads; a manager their teams' (owned or waiting in the team's pool); a head their
subtree's; admins and inspectors all of them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.access import admin_or_none, restrict, scope_of, staff_or_none
from crm.models import Member, Role

from .models import (
    OPEN_STATUSES,
    Assignment,
    Call,
    CallingWindow,
    Campaign,
    DispositionRule,
    FollowUp,
    ImportJob,
    InboundKey,
    Lead,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)


def visible_leads(user) -> QuerySet[Lead]:
    """Leads a user may open: their own; their scope's agents' and teams' (pool) leads."""
    return restrict(Lead.objects.all(), user, owner="owner", team="team")


def owns_leads_in_scope(user) -> bool:
    """Whether `user`'s own leads are all visible to them: true for every scope with a user
    (`restrict` keeps a user's own rows), false for nobody's (`staff_or_none`)."""
    scope = scope_of(user)
    return scope.sees_all or scope.user_id is not None


def owned_leads(owner_id: int) -> QuerySet[Lead]:
    """The leads `owner_id` owns, for a user `owns_leads_in_scope` allows: the worklist
    builds its prepared queries on this one shape, the same for every role."""
    return Lead.objects.filter(owner_id=owner_id)


def visible_pool(user) -> QuerySet[Lead]:
    """Open, unowned leads a user may see in the public pool (公海).

    Agents see their own team's pool and the center's (leads with no team); managers and
    heads see the pools of their teams and the center's; admins and inspectors all.
    """
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


def visible_followups(user) -> QuerySet[FollowUp]:
    return restrict(FollowUp.objects.all(), user, owner="agent")


def visible_calls(user) -> QuerySet[Call]:
    return restrict(Call.objects.all(), user, owner="agent")


def visible_assignments(user) -> QuerySet[Assignment]:
    return restrict(Assignment.objects.all(), user, owner="lead__owner", team="lead__team")


def visible_imports(user) -> QuerySet[ImportJob]:
    """Import jobs are seen like their author's records: an agent sees only the imports
    they made themselves (agents import their own lists); a manager their team's, their
    agents' included; a head their subtree's; admins and inspectors all of them."""
    return restrict(ImportJob.objects.all(), user, owner="created_by")


# --- the center's lead settings ------------------------------------------------------------
# What every member of staff works by (campaigns to pick, what a disposition does, when
# customers may be called) is read by all; the rules behind scoring and routing, the lead
# policy, the teams' pool settings and inbound keys by administrators only.


def visible_campaigns(user) -> QuerySet[Campaign]:
    return staff_or_none(user, Campaign.objects.all())


def visible_disposition_rules(user) -> QuerySet[DispositionRule]:
    return staff_or_none(user, DispositionRule.objects.all())


def visible_calling_windows(user) -> QuerySet[CallingWindow]:
    return staff_or_none(user, CallingWindow.objects.all())


def visible_scoring_rules(user) -> QuerySet[ScoringRule]:
    return admin_or_none(user, ScoringRule.objects.all())


def visible_routing_rules(user) -> QuerySet[RoutingRule]:
    return admin_or_none(user, RoutingRule.objects.all())


def visible_team_lead_settings(user) -> QuerySet[TeamLeadSettings]:
    return admin_or_none(user, TeamLeadSettings.objects.all())


def visible_inbound_keys(user) -> QuerySet[InboundKey]:
    return admin_or_none(user, InboundKey.objects.all())


def visible_lead_policy(user) -> QuerySet[LeadPolicy]:
    """The one policy row (made on first read), for administrators."""
    if not scope_of(user).is_admin:
        return LeadPolicy.objects.none()
    return LeadPolicy.objects.filter(pk=LeadPolicy.current().pk)


# --- what a user may do ---------------------------------------------------------------------


def can_manage_leads(user) -> bool:
    """Reassign, bulk-assign and export leads (within their scope)."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_configure_leads(user) -> bool:
    """Scoring and routing rules, the do-not-call list, the lead policy, inbound keys."""
    return scope_of(user).is_admin


def can_work_leads(user) -> bool:
    """Claim from the pool and log follow-ups: agents and managers (who also sell)."""
    return scope_of(user).role in (Role.AGENT, Role.TEAM_MANAGER)


def can_work_lead(user, lead: Lead) -> bool:
    """May `user` log follow-ups and calls on `lead`, or edit the customer?

    The owner works their lead. A manager or head (or an admin) may step in on any lead in
    their scope, e.g. when a customer calls back while the agent is away. Inspectors read
    everything but change nothing, and an agent cannot work a colleague's lead.
    """
    if lead.owner_id is not None and lead.owner_id == getattr(user, "pk", None):
        return can_work_leads(user)
    return can_manage_leads(user) and visible_leads(user).filter(pk=lead.pk).exists()


def may_import(user, kind: str = "leads") -> bool:
    """Who may import what: only admins the do-not-call list; managers, heads and admins
    leads (which the routing rules then assign); and an agent who takes leads (active,
    past onboarding) leads too — their own list, so the new leads are theirs (see
    `leads.services.importing.import_job_run`). Inspectors review; they do not import."""
    if kind == "dnc":
        return can_configure_leads(user)
    return can_manage_leads(user) or importing_agent(user) is not None


def importing_agent(user) -> Member | None:
    """The user's member profile when they are an agent who takes leads, else None."""
    if scope_of(user).role != Role.AGENT or not user.is_active:
        return None
    try:
        member = user.member
    except Member.DoesNotExist:
        return None
    return member if member.takes_leads else None

"""Who sees which service tickets, revisits and improvement items, and who may act.

An agent sees the tickets and revisits assigned to them and those on their customers; a
manager their team's (the ticket's team, the order's team for a revisit); a head their
subtree's; admins and inspectors all.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.access import scope_of, staff_or_none
from crm.models import Role

from .models import ImprovementItem, Revisit, RevisitPlan, ServiceTicket, TicketSLA


def visible_tickets(user) -> QuerySet[ServiceTicket]:
    scope = scope_of(user)
    if scope.sees_all:
        return ServiceTicket.objects.all()
    if scope.user_id is None:
        return ServiceTicket.objects.none()
    uid = scope.user_id
    q = Q(assignee_id=uid) | Q(opened_by_id=uid) | Q(lead__owner_id=uid) | scope.team_q("team")
    return ServiceTicket.objects.filter(q)


def visible_revisits(user) -> QuerySet[Revisit]:
    scope = scope_of(user)
    if scope.sees_all:
        return Revisit.objects.all()
    if scope.user_id is None:
        return Revisit.objects.none()
    uid = scope.user_id
    q = Q(assignee_id=uid) | Q(lead__owner_id=uid) | scope.team_q("order__team")
    return Revisit.objects.filter(q)


def visible_improvements(user) -> QuerySet[ImprovementItem]:
    scope = scope_of(user)
    if scope.sees_all:
        return ImprovementItem.objects.all()
    if scope.user_id is None:
        return ImprovementItem.objects.none()
    uid = scope.user_id
    q = Q(owner_id=uid) | Q(created_by_id=uid) | scope.team_q("team")
    return ImprovementItem.objects.filter(q)


def visible_revisit_plans(user) -> QuerySet[RevisitPlan]:
    """Revisit plans are the center's configuration: every member may read them."""
    if scope_of(user).user_id is None:
        return RevisitPlan.objects.none()
    return RevisitPlan.objects.all()


def visible_ticket_slas(user) -> QuerySet[TicketSLA]:
    """The SLAs are the center's configuration: every member may read them."""
    return staff_or_none(user, TicketSLA.objects.all())


# --- what a user may do ---------------------------------------------------------------------


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

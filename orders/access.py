"""Who sees which orders, and who may act on them.

An order counts for the team it was sold in (`Order.team`, the agent's team at the time),
so a manager sees the orders sold in their teams: `agent = me OR team IN (...)`, which the
(agent, -created_at) and (team, -created_at) indexes answer without joining members.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from crm.access import restrict, scope_of, staff_or_none
from crm.models import Role

from .models import ZERO, DiscountLimit, Installment, Order, Payment, Product, SalesEntry


def visible_orders(user) -> QuerySet[Order]:
    """Orders: an agent their own; a manager their teams'; a head their subtree's;
    admins and inspectors all."""
    return restrict(Order.objects.all(), user, owner="agent", owner_team="team")


def visible_sales_entries(user) -> QuerySet[SalesEntry]:
    return restrict(SalesEntry.objects.all(), user, owner="agent", owner_team="team")


def visible_products(user) -> QuerySet[Product]:
    """The catalog is read by all staff (inactive products too, for old orders)."""
    if scope_of(user).user_id is None:
        return Product.objects.none()
    return Product.objects.all()


def visible_discount_limits(user) -> QuerySet[DiscountLimit]:
    """Every member of staff may read the limits (what they may give alone)."""
    return staff_or_none(user, DiscountLimit.objects.all())


# --- what a user may do ---------------------------------------------------------------------


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


def role_of(user) -> str | None:
    return scope_of(user).role


def can_work_order(user, order: Order) -> bool:
    """May `user` edit or move `order`? Its agent (a selling role), or a manager, head or
    admin who sees it."""
    if order.agent_id == getattr(user, "pk", None) and can_take_orders(user):
        return True
    return can_manage_orders(user) and visible_orders(user).filter(pk=order.pk).exists()


def discount_limit_for(*, role: str | None) -> Decimal:
    """The largest discount (% of the list total) a role gives alone; none without a row."""
    if not role:
        return ZERO
    row = DiscountLimit.objects.filter(role=role).first()
    return row.max_percent if row else ZERO


def can_approve_order(user, order: Order) -> bool:
    """A manager, head or admin who sees the order, is not its seller, and whose own
    discount limit covers the order's discount."""
    return (
        can_approve_discounts(user)
        and order.agent_id != getattr(user, "pk", None)
        and visible_orders(user).filter(pk=order.pk).exists()
        and order.discount_percent <= discount_limit_for(role=role_of(user))
    )


# --- money received ---------------------------------------------------------------------


def visible_payments(user) -> QuerySet[Payment]:
    """Payments of the orders the user sees (the order's agent and team, as for orders)."""
    return restrict(Payment.objects.all(), user, owner="order__agent", owner_team="order__team")


def visible_installments(user) -> QuerySet[Installment]:
    """Installments of the orders the user sees: what receivables are read from."""
    return restrict(Installment.objects.all(), user, owner="agent", owner_team="team")

"""Who sees which customers, and who may merge them or set the tiers.

Scoped like leads (`crm.access.restrict`): an agent sees the customers they own; a
manager their teams' (the owner's team now, or the customer's own team); a head their
subtree's; admins and inspectors all. A customer merged into another is hidden (it is
kept only so that the merge can be undone). Missing and forbidden both answer 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import restrict, scope_of
from crm.models import Role

from .models import Customer, Merge, Tier


def visible_customers(user) -> QuerySet[Customer]:
    return restrict(
        Customer.objects.filter(merged_into__isnull=True), user, owner="owner", team="team"
    )


def visible_merges(user) -> QuerySet[Merge]:
    """Merges of customers the user may see (the kept one)."""
    return restrict(Merge.objects.all(), user, owner="winner__owner", team="winner__team")


def visible_tiers(user) -> QuerySet[Tier]:
    """Every member reads the tiers (they show on the worklist and the lead page)."""
    if scope_of(user).user_id is None:
        return Tier.objects.none()
    return Tier.objects.all()


# --- what a user may do ---------------------------------------------------------------------


def can_merge_customers(user) -> bool:
    """Merge duplicates and undo a merge (within their scope): managers, heads, admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_configure_tiers(user) -> bool:
    """The tiers and their thresholds are kept by administrators."""
    return scope_of(user).is_admin


def can_edit_customer(user, customer: Customer) -> bool:
    """Add contacts, edit the name: the owner (a selling role) or a manager above them."""
    role = scope_of(user).role
    if customer.owner_id == getattr(user, "pk", None) and role in (Role.AGENT, Role.TEAM_MANAGER):
        return True
    return can_merge_customers(user) and visible_customers(user).filter(pk=customer.pk).exists()

"""The public pool as a user sees it, best leads first."""

from __future__ import annotations

from django.db.models import QuerySet

from crm import access

from ..models import Lead


def pool_leads(user, *, filters: dict | None = None) -> QuerySet[Lead]:
    """Unowned open leads in `user`'s pools, grade A first, then the freshest.

    Fresh leads convert best, so within a grade the newest come first; the partial index
    `lead_pool` (team, grade, created_at where unowned) serves this order.
    """
    filters = filters or {}
    rows = access.visible_pool(user).select_related("team")
    for name in ("grade", "channel", "team"):
        if value := filters.get(name):
            rows = rows.filter(**{name: value})
    if region := filters.get("region"):
        rows = rows.filter(region__contains=region)
    if product := filters.get("product"):
        rows = rows.filter(product=product)
    return rows.order_by("grade", "-created_at", "-pk")

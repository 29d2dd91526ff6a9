"""The public pool as a user sees it, best leads first."""

from __future__ import annotations

from django.db.models import QuerySet

from leads import access as leads_access

from ..models import Lead

POOL_FIELDS = (
    "id",
    "name",
    "phone",
    "region",
    "product",
    "channel",
    "grade",
    "status",
    "owner",
    "team",
    "created_at",
    "team__name",
)


def pool_leads(user, *, filters: dict | None = None) -> QuerySet[Lead]:
    """Unowned open leads in `user`'s pools, grade A first, then the freshest.

    Fresh leads convert best, so within a grade the newest come first. The partial
    indexes `lead_pool_team` (one team's pool) and `lead_pool_order` (pools mixed) serve
    this order, so a page reads 50 index entries, not the whole pool; only the columns the
    pool page shows are read.
    """
    filters = filters or {}
    rows = leads_access.visible_pool(user).select_related("team").only(*POOL_FIELDS)
    for name in ("grade", "channel", "team"):
        if value := filters.get(name):
            rows = rows.filter(**{name: value})
    if region := filters.get("region"):
        rows = rows.filter(region__contains=region)
    if product := filters.get("product"):
        rows = rows.filter(product=product)
    return rows.order_by("grade", "-created_at", "-pk")

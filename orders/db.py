"""Fast paths of the orders app, each next to the ORM reference it must agree with.

`tests/orders/test_db_fast_paths.py` runs both on the same PostgreSQL data and compares
them; the selectors choose the fast path on PostgreSQL and the reference elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from .models import Order

# A head over more teams than this reads the plain way (one branch per team below).
MAX_BRANCHES = 40


def branches_apply(*, team_ids: Iterable[int]) -> bool:
    """Whether the branch-merging read serves a scope over `team_ids` on this database
    (PostgreSQL only: SQLite has no ORDER BY/LIMIT inside a UNION)."""
    count = len(set(team_ids))
    return connection.vendor == "postgresql" and 0 < count <= MAX_BRANCHES


def newest_orders_reference(queryset: QuerySet[Order], *, offset: int, limit: int) -> list[Order]:
    """The reference: rows `offset`..`offset + limit` of the list, newest first."""
    return list(queryset.order_by("-created_at", "-id")[offset : offset + limit])


def newest_orders_by_branches(
    queryset: QuerySet[Order],
    *,
    team_ids: Iterable[int],
    user_id: int,
    offset: int,
    limit: int,
) -> list[Order]:
    """The same rows as `newest_orders_reference` for a scope `team IN (...) OR agent = me`.

    Sorting over that OR reads every matching row (a whole team's, or all of a head's).
    Instead each branch (each team, and the user's own sales) is read newest first along
    its own index (`order_team_recent`, `order_agent_recent`), at most `offset + limit`
    keys each, the branches merged by one UNION query, and the page's rows read by id:
    two queries whatever the page size. PostgreSQL only.
    """
    keys = queryset.order_by().values_list("created_at", "id")
    enough = offset + limit
    branches = [
        keys.filter(team_id=team_id).order_by("-created_at", "-id")[:enough]
        for team_id in sorted(set(team_ids))
    ]
    branches.append(keys.filter(agent_id=user_id).order_by("-created_at", "-id")[:enough])
    merged = branches[0].union(*branches[1:]).order_by("-created_at", "-id")
    ids = [pk for _at, pk in merged[offset : offset + limit]]
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]

"""The reclaim sweep's set-based writes: marking the leads to warn, and reclaiming.

Each step has the ORM reference (`*_orm`, what it must do, used on databases other than
PostgreSQL) and a PostgreSQL statement doing the same in one round trip (`*_sql`).
`tests/leads/test_pool_db.py` runs both on the same data and compares what they wrote.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connections, router
from django.db.models import Count, QuerySet

from ..models import Assignment, Lead


def _connection():
    return connections[router.db_for_write(Lead)]


def _compiled(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _column(model, name: str) -> str:
    return _connection().ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return _connection().ops.quote_name(model._meta.db_table)


# --- warn ---------------------------------------------------------------------------------


def warn(due: QuerySet[Lead], *, now: dt.datetime) -> Counter:
    """Mark the leads to warn (`reclaim_warned_at = now`); returns how many per owner."""
    if _connection().vendor == "postgresql":
        return warn_sql(due, now=now)
    return warn_orm(due, now=now)


def warn_orm(due: QuerySet[Lead], *, now: dt.datetime) -> Counter:
    ids = list(due.values_list("pk", flat=True))
    Lead.objects.filter(pk__in=ids).update(reclaim_warned_at=now)
    return Counter(
        dict(
            Lead.objects.filter(pk__in=ids)
            .order_by()
            .values("owner_id")
            .annotate(n=Count("pk"))
            .values_list("owner_id", "n")
        )
    )


def warn_sql(due: QuerySet[Lead], *, now: dt.datetime) -> Counter:
    """One statement (UPDATE … RETURNING, counted in SQL) instead of an UPDATE and a
    second scan."""
    inner, params = _compiled(due.order_by().values("pk"))
    sql = f"""
        WITH warned AS (
            UPDATE {_table(Lead)} SET {_column(Lead, "reclaim_warned_at")} = %s
            WHERE {_column(Lead, "id")} IN ({inner})
            RETURNING {_column(Lead, "owner")} AS owner_id
        )
        SELECT owner_id, count(*) FROM warned GROUP BY owner_id
    """  # noqa: S608 - only quoted names and Django-compiled SQL are interpolated
    with _connection().cursor() as cursor:
        cursor.execute(sql, [now, *params])
        return Counter(dict(cursor.fetchall()))


# --- reclaim ------------------------------------------------------------------------------


def reclaim(stale: QuerySet, *, reason: str, now: dt.datetime) -> Counter:
    """Return the stale leads (`(pk, owner_id, team_id)` rows) to their team's pool with
    an `Assignment` each; returns how many per former owner."""
    if _connection().vendor == "postgresql":
        return reclaim_sql(stale, reason=reason, now=now)
    return reclaim_orm(stale, reason=reason, now=now)


def reclaim_orm(stale: QuerySet, *, reason: str, now: dt.datetime) -> Counter:
    rows = list(stale)
    Lead.objects.filter(pk__in=[pk for pk, _o, _t in rows]).update(
        owner=None, assigned_at=None, reclaim_warned_at=None, updated_at=now
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                lead_id=pk,
                kind=Assignment.Kind.RECLAIM,
                from_user_id=owner_id,
                team_id=team_id,
                reason=reason,
                at=now,
            )
            for pk, owner_id, team_id in rows
        ]
    )
    return Counter(owner_id for _pk, owner_id, _t in rows)


def reclaim_sql(stale: QuerySet, *, reason: str, now: dt.datetime) -> Counter:
    """One statement: the locked rows feed both the UPDATE and the INSERT, and no lead
    passes through Python."""
    inner, params = _compiled(stale.order_by())
    lead_table, history = _table(Lead), _table(Assignment)

    def lead(name: str) -> str:
        return _column(Lead, name)

    def assignment(name: str) -> str:
        return _column(Assignment, name)

    sql = f"""
        WITH stale(id, owner_id, team_id) AS ({inner}),
        moved AS (
            UPDATE {lead_table} SET
                {lead("owner")} = NULL,
                {lead("assigned_at")} = NULL,
                {lead("reclaim_warned_at")} = NULL,
                {lead("updated_at")} = %s
            FROM stale WHERE {lead_table}.{lead("id")} = stale.id
        ),
        recorded AS (
            INSERT INTO {history} (
                {assignment("lead")}, {assignment("kind")},
                {assignment("from_user")}, {assignment("to_user")},
                {assignment("team")}, {assignment("rule")},
                {assignment("reason")}, {assignment("by")}, {assignment("at")}
            )
            SELECT id, %s, owner_id, NULL, team_id, NULL, %s, NULL, %s FROM stale
        )
        SELECT owner_id, count(*) FROM stale GROUP BY owner_id
    """  # noqa: S608 - only quoted names and Django-compiled SQL are interpolated
    with _connection().cursor() as cursor:
        cursor.execute(sql, [*params, now, Assignment.Kind.RECLAIM, reason, now])
        return Counter(dict(cursor.fetchall()))

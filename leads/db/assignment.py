"""Moving many leads at once and recording each move (`Assignment`), for the assignment
job and hand-overs: one statement on PostgreSQL (`move_leads_pg`), the ORM's bulk methods
elsewhere (`move_leads_orm`, the reference). Only `leads.services.routing` calls these.

Why not the ORM everywhere: Django's `bulk_update` builds a CASE per row and field and
costs seconds per thousand rows, which alone would break the assignment job's budget.
"""

from __future__ import annotations

import datetime as dt

from django.db import connections, router

from ..models import Assignment, Lead

#: (lead, from user, to user, team, rule, reason)
Move = tuple[int, int | None, int | None, int | None, int | None, str]


def move_leads(moves: list[Move], *, kind: str, by_id: int | None, now: dt.datetime) -> int:
    """Give each lead its new owner and team and record the move; returns the highest
    `Assignment` id written (0 for none)."""
    if not moves:
        return 0
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor == "postgresql":
        return move_leads_pg(moves, kind=kind, by_id=by_id, now=now)
    return move_leads_orm(moves, kind=kind, by_id=by_id, now=now)


def move_leads_orm(moves: list[Move], *, kind: str, by_id: int | None, now: dt.datetime) -> int:
    """The reference: `bulk_update` of the leads, `bulk_create` of their history."""
    if not moves:
        return 0
    leads = Lead.objects.in_bulk([m[0] for m in moves])
    for lead_id, _from, to_user, team_id, _rule, _why in moves:
        lead = leads[lead_id]
        lead.owner_id, lead.team_id = to_user, team_id
        lead.assigned_at = now if to_user is not None else None
        lead.reclaim_warned_at, lead.updated_at = None, now
    Lead.objects.bulk_update(
        list(leads.values()),
        ["owner", "team", "assigned_at", "reclaim_warned_at", "updated_at"],
    )
    rows = Assignment.objects.bulk_create(
        [
            Assignment(
                lead_id=lead_id,
                kind=kind,
                from_user_id=from_user,
                to_user_id=to_user,
                team_id=team_id,
                rule_id=rule_id,
                reason=why,
                by_id=by_id,
                at=now,
            )
            for lead_id, from_user, to_user, team_id, rule_id, why in moves
        ]
    )
    return max((row.pk or 0) for row in rows)


def move_leads_pg(moves: list[Move], *, kind: str, by_id: int | None, now: dt.datetime) -> int:
    """One statement: `UPDATE … FROM unnest(…)` feeding `INSERT … SELECT`."""
    if not moves:
        return 0
    connection = connections[router.db_for_write(Lead)]
    quote = connection.ops.quote_name
    lead_table, history_table = quote(Lead._meta.db_table), quote(Assignment._meta.db_table)

    def col(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    sql = f"""
        WITH v AS (
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                                 %s::bigint[], %s::text[])
                AS v(lead_id, from_user_id, to_user_id, team_id, rule_id, reason)
        ),
        moved AS (
            UPDATE {lead_table} SET
                {col(Lead, "owner")} = v.to_user_id,
                {col(Lead, "team")} = v.team_id,
                {col(Lead, "assigned_at")} =
                    CASE WHEN v.to_user_id IS NULL THEN NULL ELSE %s::timestamptz END,
                {col(Lead, "reclaim_warned_at")} = NULL,
                {col(Lead, "updated_at")} = %s::timestamptz
            FROM v WHERE {lead_table}.{col(Lead, "id")} = v.lead_id
        ),
        recorded AS (
            INSERT INTO {history_table} (
                {col(Assignment, "lead")}, {col(Assignment, "kind")},
                {col(Assignment, "from_user")}, {col(Assignment, "to_user")},
                {col(Assignment, "team")}, {col(Assignment, "rule")},
                {col(Assignment, "reason")}, {col(Assignment, "by")}, {col(Assignment, "at")}
            )
            SELECT lead_id, %s, from_user_id, to_user_id, team_id, rule_id, reason,
                   %s::bigint, %s::timestamptz
            FROM v
            RETURNING {col(Assignment, "id")} AS id
        )
        SELECT max(id) FROM recorded
    """  # noqa: S608 - only quoted names from the model's meta are interpolated
    columns = list(zip(*moves, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*map(list, columns), now, now, kind, by_id, now])
        return cursor.fetchone()[0] or 0

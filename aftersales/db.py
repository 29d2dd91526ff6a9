"""Fast paths of the after-sales app, each next to the ORM reference it must agree with.

`tests/aftersales/test_db_fast_paths.py` runs both on the same PostgreSQL data and compares
them; the services choose the fast path on PostgreSQL and the reference elsewhere.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from crm.models import Notification

# What a queryset handed to the functions below is annotated with: one notification a row.
NOTIFICATION_COLUMNS = ("n_user", "n_kind", "n_key", "n_text", "n_url", "n_created")


def notifications_insert_select(rows: QuerySet) -> int:
    """INSERT the notifications that `rows` (annotated with `NOTIFICATION_COLUMNS`) describe,
    straight from their query: one `INSERT … SELECT … ON CONFLICT DO NOTHING` that never
    brings the rows into Python. Returns how many were new. PostgreSQL."""
    select, params = rows.values(*NOTIFICATION_COLUMNS).query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in NOTIFICATION_COLUMNS)
    key = connection.ops.quote_name("key")
    # Only quoted identifiers and the ORM's own SQL are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {table} (user_id, kind, {key}, text, url, created_at) "  # noqa: S608
        f"SELECT {columns} FROM ({select}) due WHERE 1 = 1 "
        f"ON CONFLICT (user_id, {key}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def notifications_insert_reference(rows: QuerySet) -> int:
    """The reference: the notifications not sent yet read into Python and created (ignoring
    a conflict with a concurrent run). Returns how many were new."""
    sent = Notification.objects.filter(user_id=OuterRef("n_user"), key=OuterRef("n_key"))
    fresh = [
        Notification(
            user_id=row["n_user"],
            kind=row["n_kind"],
            key=row["n_key"],
            text=row["n_text"],
            url=row["n_url"],
            created_at=row["n_created"],
        )
        for row in rows.filter(~Exists(sent)).values(*NOTIFICATION_COLUMNS).order_by()
    ]
    Notification.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    return len(fresh)

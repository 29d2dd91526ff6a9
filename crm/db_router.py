"""Database connections: options for PostgreSQL and an optional read replica.

`DATABASE_REPLICA_URL` set → a second alias, "replica" (a streaming replica of the
primary). Nothing reads from it unless asked: replicas lag, and a page that has just
written must read its own write. Read-mostly pages that tolerate a few seconds of lag
(dashboards, reports) ask explicitly:

    from crm.db_router import reading
    rows = reading(Order.objects.filter(...)).values(...)      # replica when configured

`replica_alias()` is the alias to pass to `.using()` / `connections[...]` for raw SQL.
Without a replica both give the primary ("default"). `PrimaryReplicaRouter` makes every
write and migration go to the primary, never to the replica.
"""

from __future__ import annotations

REPLICA = "replica"


def postgres_options(config: dict, *, statement_timeout_ms: int) -> dict:
    """`config` (a DATABASES entry) with a server-side statement timeout when > 0, and
    PostgreSQL's JIT off.

    JIT compiles a plan whose estimated cost is high: the dashboards' and scorecards'
    aggregates over a month of follow-ups qualify, and compiling them took a large share of
    such a query while saving nothing (docs/operations.md, "Measured choices"). Short OLTP
    queries never gain.

    Server-side cursors (`QuerySet.iterator()`) are planned for reading every row: that is
    what exports and sweeps do with them. PostgreSQL's default plans a cursor for its first
    10% of rows, and picked a scan of the whole leads table in `created_at` order for a
    team's export.
    """
    if "postgresql" in config.get("ENGINE", ""):
        options = dict(config.get("OPTIONS") or {})
        extra = "-c jit=off -c cursor_tuple_fraction=1"
        if statement_timeout_ms > 0:
            extra += f" -c statement_timeout={int(statement_timeout_ms)}"
        options["options"] = f"{options['options']} {extra}" if "options" in options else extra
        config = {**config, "OPTIONS": options}
    return config


def replica_alias() -> str:
    from django.conf import settings

    return REPLICA if REPLICA in settings.DATABASES else "default"


def reading(queryset):
    """`queryset` read from the replica when there is one (else unchanged)."""
    return queryset.using(replica_alias())


class PrimaryReplicaRouter:
    """Reads default to the primary; writes and migrations always go there."""

    def db_for_read(self, model, **hints):
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # same data, either alias

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA

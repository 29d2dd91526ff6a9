"""Database connections: options for PostgreSQL and an optional read replica.

`DATABASE_REPLICA_URL` set → a second alias, "replica" (a streaming replica of the
primary). Nothing reads from it unless asked: replicas lag, and a page that has just
written must read its own write. Pages that only read figures (dashboards, reports,
drill-downs) ask for it as a whole: `reads_replica(view)` on page views (GETs only, after
the session and user are read from the primary) and `crm.api.ReplicaReadsMixin` on API
views; within them the router sends every ORM read to the replica. Code can also ask for
one query set (`reading(qs)`) or an alias for raw SQL (`replica_alias()`).

Whether the replica may serve is asked of it once per `DATABASE_REPLICA_CHECK_SECONDS` per
process: down, or more than the admin-set `ReplicaPolicy.max_lag_seconds` behind, and the
primary serves until the next check. Writes and migrations always go to the primary.
tests/ops/test_replica.py runs a real streaming replica and shows both.
"""

from __future__ import annotations

import functools
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)

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


# Set while a dashboard or report runs (`replica_reads`): its ORM reads go to the replica.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# This process's last verdict on the replica: (monotonic time it holds until, usable).
_health: dict[str, tuple[float, bool]] = {}

# Seconds the replica is behind the primary: 0 while it has replayed all it received
# (an idle primary sends nothing, so "time since the last replayed commit" alone would
# call an idle, up-to-date replica stale).
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""


def _max_lag_seconds() -> float:
    from .config import cached
    from .models import ReplicaPolicy

    return float(cached("crm.replica_policy", ReplicaPolicy.current).max_lag_seconds)


def replica_lag_seconds() -> float:
    """The replica's lag, asked of the replica (raises when it cannot be reached)."""
    from django.db import connections

    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_usable() -> bool:
    """Whether reads may go to the replica now: configured, reachable, and at most the
    policy's seconds behind. Checked once per `DATABASE_REPLICA_CHECK_SECONDS` per process
    (default 5): one small query, not one per request."""
    from django.conf import settings
    from django.db import connections

    if REPLICA not in settings.DATABASES:
        return False
    now = time.monotonic()
    held = _health.get(REPLICA)
    if held is not None and held[0] > now:
        return held[1]
    try:
        lag = replica_lag_seconds()
        usable = lag <= _max_lag_seconds()
        if not usable:
            logger.warning("read replica %.1f s behind: reading the primary", lag)
    except Exception:  # down, refusing, timed out: the primary serves
        logger.warning("read replica unreachable: reading the primary", exc_info=True)
        try:  # a broken connection is opened again at the next check
            connections[REPLICA].close()
        except Exception:
            logger.debug("closing the replica connection failed", exc_info=True)
        usable = False
    _health[REPLICA] = (now + getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", 5), usable)
    return usable


def forget_replica_health() -> None:
    _health.clear()


def replica_alias() -> str:
    """The alias read-mostly code reads from: the replica when usable, else the primary."""
    return REPLICA if replica_usable() else "default"


@contextmanager
def replica_reads():
    """Within: every ORM read the router places goes to the replica (when usable)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def enter_replica_reads():
    """`replica_reads()` for code that cannot hold a `with` (DRF's `initial` and
    `finalize_response`); give the token back to `leave_replica_reads`."""
    return _replica_reads.set(True)


def leave_replica_reads(token) -> None:
    _replica_reads.reset(token)


def reads_replica(view):
    """A view that only reads (a dashboard, a report): its GETs read the replica.

    Its POSTs (and anything else) stay on the primary, so a form on the same URL reads its
    own writes."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # The session and the signed-in user come from the primary: a session made a
        # moment ago may not have reached the replica yet.
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - loads the lazy user now
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


def reading(queryset):
    """`queryset` read from the replica when there is one (else unchanged)."""
    return queryset.using(replica_alias())


class PrimaryReplicaRouter:
    """Reads go to the primary, except within `replica_reads()` while the replica is usable;
    writes and migrations always go to the primary."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and replica_usable():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # same data, either alias

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA

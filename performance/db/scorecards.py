"""Scorecard fast paths: the drill-down page merged from per-membership index reads, and
the recompute's per-period lock. PostgreSQL; the callers use the references elsewhere."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

from django.db import connection
from django.db.models import DateTimeField, IntegerField, Q
from django.db.models.expressions import RawSQL

from ..metrics import Metric
from ..periods import Period

# (user id, low, high): a record counts when made by the user at low <= time < high.
Window = tuple[int, dt.datetime, dt.datetime]


def newest_in_windows_reference(
    metric: Metric, windows: Sequence[Window], *, offset: int, limit: int
) -> list[int]:
    """The reference: ids of the metric's records made in any window, newest first."""
    if not windows:
        return []
    made_in = Q()
    for user_id, low, high in windows:
        made_in |= Q(
            **{metric.agent: user_id, f"{metric.time}__gte": low, f"{metric.time}__lt": high}
        )
    rows = metric.base().filter(made_in).order_by(f"-{metric.time}", "-pk")
    return list(rows.values_list("pk", flat=True)[offset : offset + limit])


def newest_in_windows(
    metric: Metric, windows: Sequence[Window], *, offset: int, limit: int
) -> list[int]:
    """The same ids as `newest_in_windows_reference`, read along the (agent, time) index.

    The windows are one set of arrays (`unnest`); for each window a LATERAL branch, compiled
    once by the ORM with the window's columns in its conditions, reads at most
    `offset + limit` of the newest records along the index, and PostgreSQL merges the
    branches: a page of a team's or department's month reads a page per membership, not
    the month.
    """
    if not windows:
        return []
    window_agent = RawSQL('"stay"."agent"', (), output_field=IntegerField())
    window_low = RawSQL('"stay"."low"', (), output_field=DateTimeField())
    window_high = RawSQL('"stay"."high"', (), output_field=DateTimeField())
    branch = (
        metric.base()
        .filter(
            **{
                metric.agent: window_agent,
                f"{metric.time}__gte": window_low,
                f"{metric.time}__lt": window_high,
            }
        )
        .order_by(f"-{metric.time}", "-pk")
        .values_list("pk", metric.time)[: offset + limit]
    )
    branch_sql, branch_params = branch.query.sql_with_params()
    agents, lows, highs = (list(column) for column in zip(*windows, strict=True))
    # Only the ORM's own SQL is interpolated; every value is a parameter.
    sql = (
        "SELECT page.pk FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "  # noqa: S608
        "stay (agent, low, high) "
        f"CROSS JOIN LATERAL ({branch_sql}) page (pk, at) "
        "ORDER BY page.at DESC, page.pk DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [agents, lows, highs, *branch_params, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def recompute_lock_key(period: Period) -> int:
    """The advisory lock key of one period's recompute."""
    return zlib.crc32(f"scorecards {period.kind} {period.start}".encode())


def recompute_take_turns(period: Period) -> None:
    """On PostgreSQL, inside the recompute's transaction: two recomputes of one period (the
    beat and a button) take turns instead of racing to insert the same scorecards; and no
    JIT, which compiles each big aggregate for longer than it then saves. Elsewhere nothing:
    SQLite runs one writing transaction at a time anyway (there is no ORM counterpart)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [recompute_lock_key(period)])
        cursor.execute("SET LOCAL jit = off")

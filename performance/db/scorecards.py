"""Scorecard fast paths: the drill-down page (merged from per-membership index reads, or
read along the time index for a wide subject), and the recompute's per-period lock.
PostgreSQL; the callers use the references elsewhere."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

from django.db import connection
from django.db.models import BooleanField, DateTimeField, IntegerField, Q
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


#: From this many agents on, a drill-down page is read along the time index (when the
#: records have one) instead of a page per membership: each membership costs an index
#: descent and up to a page of rows (about 35 buffers at 1M leads; a center's 470 read
#: 12,000), while the time index reads the newest records of everyone until the page is
#: full, about (offset + limit) × (everyone's records / the subject's) rows.
WIDE_SUBJECT_AGENTS = 30


def newest_in_windows(
    metric: Metric,
    windows: Sequence[Window],
    *,
    offset: int,
    limit: int,
    along_time: bool | None = None,
) -> list[int]:
    """The same ids as `newest_in_windows_reference`, read along an index.

    A few agents (a team): per membership along the (agent, time) index
    (`_newest_per_window`). Many agents (a division, the center) and records with an index
    led by their time: along that index, newest first, keeping the records made in a
    window (`_newest_along_time`). `along_time` forces one way (tests hold both to the
    reference).
    """
    if not windows:
        return []
    if along_time is None:
        agents = {agent for agent, _, _ in windows}
        along_time = len(agents) >= WIDE_SUBJECT_AGENTS and _has_time_index(metric)
    if along_time:
        return _newest_along_time(metric, windows, offset=offset, limit=limit)
    return _newest_per_window(metric, windows, offset=offset, limit=limit)


def can_read_along_time(metric: Metric) -> bool:
    """Whether the agent and the time are columns of the records' own table (not paths
    through another), as `_newest_along_time` needs."""
    return "__" not in metric.agent and "__" not in metric.time


def _has_time_index(metric: Metric) -> bool:
    """Whether the records' own table has an index led by the metric's time."""
    if not can_read_along_time(metric):
        return False
    meta = metric.base().model._meta
    return any(index.fields and index.fields[0] == metric.time for index in meta.indexes)


def _newest_along_time(
    metric: Metric, windows: Sequence[Window], *, offset: int, limit: int
) -> list[int]:
    """Newest first along the time index, over the span of every window, keeping records
    whose agent was in a window at the time: agents whose window covers the whole span
    by one `= ANY` test, the others (who joined or left within it) by their windows."""
    model = metric.base().model
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    agent_column = f"{table}.{quote(model._meta.get_field(metric.agent).column)}"
    time_column = f"{table}.{quote(model._meta.get_field(metric.time).column)}"
    low = min(window[1] for window in windows)
    high = max(window[2] for window in windows)
    whole = {agent for agent, begins, ends in windows if begins <= low and ends >= high}
    part = [window for window in windows if window[0] not in whole]
    made_in = Q(**{f"{metric.agent}__in": sorted(whole)}) if whole else Q()
    if part:
        agents, lows, highs = (list(column) for column in zip(*part, strict=True))
        # Only column names are interpolated; every value is a parameter.
        in_part = RawSQL(  # noqa: S611 (column names only; values are parameters)
            "EXISTS (SELECT 1 FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "  # noqa: S608
            f"stay (agent, low, high) WHERE stay.agent = {agent_column} "
            f"AND {time_column} >= stay.low AND {time_column} < stay.high)",
            (agents, lows, highs),
            output_field=BooleanField(),
        )
        made_in = (made_in | Q(in_part)) if whole else Q(in_part)
    rows = (
        metric.base()
        .filter(**{f"{metric.time}__gte": low, f"{metric.time}__lt": high})
        .filter(made_in)
        .order_by(f"-{metric.time}", "-pk")
    )
    return list(rows.values_list("pk", flat=True)[offset : offset + limit])


def _newest_per_window(
    metric: Metric, windows: Sequence[Window], *, offset: int, limit: int
) -> list[int]:
    """The windows are one set of arrays (`unnest`); for each window a LATERAL branch,
    compiled once by the ORM with the window's columns in its conditions, reads at most
    `offset + limit` of the newest records along the (agent, time) index, and PostgreSQL
    merges the branches: a page of a team's month reads a page per membership, not the
    month.
    """
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

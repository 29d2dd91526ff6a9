"""Time in each state: the state rows overlapping a span, each clipped to it in SQL.

`within_span()` is the one definition of "how much of this row falls in [start, end)": a
row still open counts up to the database's clock (`NOW()`), never past `end`. The
efficiency indicators of `performance.metrics` read the rows through it, and so does
`time_in_states()` (each agent's seconds per state and pause code over a day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, Now
from django.utils import timezone

from ..models import AgentState, StateChange

# Seconds a row counts for each state (the annotation `within_span()` adds).
SECONDS = "seconds_in_span"
STARTED_IN_SPAN = "started_in_span"


class SecondsBetween(Func):
    """end − start in seconds, as a float (PostgreSQL and SQLite)."""

    output_field = FloatField()
    arity = 2
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


def within_span(rows: QuerySet, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The rows overlapping [start, end), with `seconds_in_span` (the part inside it) and
    `started_in_span` (1 when the row began inside it: a call, a pause, counted once)."""
    until = Least(Coalesce(F("ended_at"), Now()), Value(end))
    since = Greatest(F("started_at"), Value(start))
    return (
        rows.filter(started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .annotate(
            **{
                SECONDS: Greatest(SecondsBetween(until, since), Value(0.0)),
                STARTED_IN_SPAN: Case(
                    When(started_at__gte=start, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
            }
        )
    )


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight to the next (the center's time zone, Asia/Shanghai by default)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def time_in_states(
    user_ids, start: dt.datetime, end: dt.datetime
) -> dict[int, dict[tuple[str, int | None], float]]:
    """{user id: {(state, pause code id or None): seconds}} over [start, end): one query."""
    rows = (
        within_span(StateChange.objects.filter(user_id__in=list(user_ids)), start, end)
        .order_by()
        .values("user_id", "state", "pause_code_id")
        .annotate(total=Sum(SECONDS))
    )
    result: dict[int, dict] = defaultdict(dict)
    for row in rows:
        result[row["user_id"]][(row["state"], row["pause_code_id"])] = float(row["total"] or 0)
    return result


def time_in_states_on(user_ids, day: dt.date) -> dict[int, dict[tuple[str, int | None], float]]:
    """Each agent's seconds per state and pause code on one local day."""
    return time_in_states(user_ids, *day_bounds(day))


def seconds_by_state(times: dict[tuple[str, int | None], float]) -> dict[str, float]:
    """Fold pause codes away: {state: seconds}."""
    folded = dict.fromkeys(AgentState.values, 0.0)
    for (state, _code), seconds in times.items():
        folded[state] += seconds
    return folded

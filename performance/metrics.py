"""What each indicator counts, written once: the aggregate AND the records behind it.

Every `Source` has one `Metric` below. A metric names

* the records it reads (`records()`: a queryset of follow-ups, calls, sales entries, …
  already cut to the period on its `time` field),
* the path to the agent a record counts for (`agent`) and the time that decides the period
  and the team (`time`),
* its numerator and denominator as aggregate expressions over those records, and a `scale`
  that turns numerator/denominator into the value shown (×100 for a rate, ×20 for a 1–5
  rubric on a 0–100 scale, ÷60 for seconds to minutes).

From that one definition `aggregate()` runs ONE grouped SQL statement per indicator and
period — grouped by agent and by the team the agent was in at the record's time (a LEFT
JOIN on `crm.TeamMembership` with `started_at <= time < ended_at`) — and `drilldown()`
filters the very same queryset for one agent, team or department, so a figure and its
records cannot disagree. Numerators and denominators are sums and counts, hence additive:
an agent's figure is the sum of their rows over teams, a team's the sum over its rows, a
department's the sum over every team in its subtree (`Department.path` prefix). A ratio is
the subject's records' ratio, never a mean of means.

Decisions (what each figure means):

* sales_amount — sum of `orders.SalesEntry.amount` by `at` (confirmations +, reversals −).
* orders — confirmations minus reversals (cancel after confirmation, refund) by `at`:
  net orders, consistent with the amount.
* conversion — leads assigned to the agent in the period (`Lead.assigned_at`, owner as of
  now) that are won / those leads; ×100.
* revisit_score — mean satisfaction (1–5) of done revisits by `done_at`, for the assignee.
* complaints — complaint tickets opened in the period on the agent's customers (the lead's
  owner). A complaint recorded on a revisit opens such a ticket, so it is counted there
  once. Lower is better.
* calls — calls by `started_at`; talk_time — their duration in minutes.
* followups — follow-ups by `created_at`.
* ontime_followup — of the follow-ups made in the period (by `created_at`) that scheduled
  a next one now due, those whose lead got a later follow-up no later than the due time +
  `ONTIME_GRACE`; ×100. (Counted when they are made, so the (agent, time) index serves the
  drill-down; one not due yet counts once it is.)
* contacted_24h — leads assigned in the period whose first follow-up or call came within
  24 h of the assignment / leads assigned in the period; ×100.
* cash_collected — money received (回款): sum of `orders.Payment.amount` by the day it came
  in (`paid_at`, the start of `paid_on`), refunds negative, for the order's agent when it
  was recorded. Beside sales_amount it tells what was sold from what was collected.
* occupancy — (seconds on a call + in wrap-up) / (ready + on a call + wrap-up) of the
  agent's state rows, each clipped to the period (`calling.selectors.states.within_span`:
  a row still open counts to now); ×100. Paused and offline time is outside both.
* pause_minutes — seconds paused (any code) in the period ÷ 60; lower is better. By code:
  `state_seconds()`.
* calls_per_hour — on-a-call rows that began in the period / productive hours (ready + on
  a call + wrap-up, clipped); the phone system opens one such row per answered call.
* handle_time — (on a call + wrap-up seconds, clipped) / on-a-call rows begun in the
  period, in minutes; lower is better.
* quality_* — mean rubric score of `QualityScore` by `scored_at` ×20 (0–100); the overall
  score is already on 0–100.

Everything that shows a figure reads it here: the scorecard recompute (whole periods, every
subject), the dashboards (live over today or a period to date, narrowed to the agents of
the teams shown with `agent_ids`: the same grouped statement over fewer index ranges), the
drill-downs (`drilldown()` and `add_up()`), exports and the API. A value is `figure()`
(four decimals, like a stored `ScorecardValue`); achievement against a target is
`achievement_of()`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .models import Source
from .periods import Period, Span

ONTIME_GRACE = dt.timedelta(hours=2)
ACHIEVEMENT_CAP = Decimal("150")
_FOUR = Decimal("0.0001")
_TWO = Decimal("0.01")
_FIGURE_MAX = Decimal("999999999999")
CONTACT_WINDOW = dt.timedelta(hours=24)
TEAM_AT = "team_at_time"
_ZERO = Decimal("0")


@dataclass(frozen=True)
class Metric:
    source: str
    agent: str  # path to the user a record counts for, e.g. "agent", "lead__owner"
    time: str  # the record's time that decides period and team
    numerator: object  # an aggregate expression
    denominator: object | None = None  # None: the value is the numerator itself
    scale: Decimal = Decimal("1")
    additive: bool = True  # a team's target may default to the sum of its agents'
    base: object = None  # callable () -> queryset of the records
    prepare: object = None  # callable (queryset) -> queryset (annotations for drill-down)
    # callable (queryset, start, end) -> queryset: the records of a span when they are not
    # simply those whose `time` falls in it (state rows overlapping it, clipped).
    within: object = None
    # The value is the number of records behind it (a count's drill-down lists that many).
    counts_records: bool = False

    # --- the records ------------------------------------------------------------------

    def records(self, period: Period) -> QuerySet:
        start, end = period.bounds
        if self.within is not None:
            rows = self.within(self.base(), start, end)
        else:
            rows = self.base().filter(**{f"{self.time}__gte": start, f"{self.time}__lt": end})
        if self.prepare is not None:
            rows = self.prepare(rows)
        return rows

    def with_team(self, rows: QuerySet) -> QuerySet:
        """Join the team the agent was in at the record's time (NULL when in none)."""
        path = f"{self.agent}__member__memberships"
        time = F(self.time)
        return rows.annotate(
            **{
                TEAM_AT: FilteredRelation(
                    path,
                    condition=Q(**{f"{path}__started_at__lte": time})
                    & (
                        Q(**{f"{path}__ended_at__isnull": True})
                        | Q(**{f"{path}__ended_at__gt": time})
                    ),
                )
            }
        )

    # --- the figures ------------------------------------------------------------------

    @property
    def records_key(self) -> tuple:
        """Metrics with the same key read the same records: one statement serves them all."""
        return (self.base, self.prepare, self.within, self.agent, self.time)

    def aggregate(self, period: Period) -> list[tuple[int, int | None, Decimal, Decimal | None]]:
        """(agent id, team id at the time, numerator, denominator) for every agent and team."""
        return aggregate_together([self], period)[self.source]

    def value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        if self.denominator is None:
            return numerator * self.scale
        if not denominator:
            return None
        return numerator * self.scale / denominator

    def figure(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        """The value as shown and stored: four decimals (a `ScorecardValue`'s precision)."""
        if self.denominator is None:
            denominator = None
        return quantize(self.value(numerator, denominator))

    def add_up(self, rows: QuerySet) -> tuple[Decimal, Decimal | None]:
        """What the records of a drill-down add up to: (numerator, denominator)."""
        sums = {"num": self.numerator}
        if self.denominator is not None:
            sums["den"] = self.denominator
        totals = rows.order_by().aggregate(**sums)
        numerator = Decimal(totals["num"] or 0)
        if self.denominator is None:
            return numerator, None
        return numerator, Decimal(totals["den"] or 0)

    # --- the records behind a figure --------------------------------------------------

    def drilldown(
        self,
        period: Period,
        *,
        agent_id: int | None = None,
        team_id: int | None = None,
        department_path: str | None = None,
    ) -> QuerySet:
        """Exactly the records `aggregate()` summed for one agent, team or department."""
        rows = self.with_team(self.records(period)).filter(**{f"{self.agent}__isnull": False})
        if agent_id is not None:
            rows = rows.filter(**{self.agent: agent_id})
        if team_id is not None:
            rows = rows.filter(**{f"{TEAM_AT}__team_id": team_id})
        if department_path is not None:
            in_subtree = f"{TEAM_AT}__team__department__path__startswith"
            rows = rows.filter(**{in_subtree: department_path})
        return rows.order_by(f"-{self.time}", "-pk")


# --- the definitions --------------------------------------------------------------------


def _followups():
    from leads.models import FollowUp

    return FollowUp.objects.all()


def _calls():
    from leads.models import Call

    return Call.objects.all()


def _sales():
    from orders.models import SalesEntry

    return SalesEntry.objects.all()


def _payments():
    from orders.models import Payment

    return Payment.objects.all()


def _leads_assigned():
    from leads.models import Lead

    return Lead.objects.filter(owner__isnull=False, assigned_at__isnull=False)


def _done_revisits():
    from aftersales.models import Revisit, RevisitStatus

    return Revisit.objects.filter(status=RevisitStatus.DONE, satisfaction__isnull=False)


def _complaint_tickets():
    from aftersales.models import ServiceTicket, TicketType

    return ServiceTicket.objects.filter(type=TicketType.COMPLAINT)


def _quality():
    from .models import QualityScore

    return QualityScore.objects.all()


def _states():
    from calling.models import StateChange

    return StateChange.objects.all()


def _states_within(rows: QuerySet, start, end) -> QuerySet:
    from calling.selectors.states import within_span

    return within_span(rows, start, end)


# The agent states an efficiency figure reads (`calling.models.AgentState` values).
_TALK = ("on_call", "wrap_up")
_PRODUCTIVE = ("ready", "on_call", "wrap_up")
_STATE_SECONDS = "seconds_in_span"  # calling.selectors.states.SECONDS
_STATE_STARTED = "started_in_span"  # calling.selectors.states.STARTED_IN_SPAN


def _state_seconds(*states: str):
    return Coalesce(
        Sum(_STATE_SECONDS, filter=Q(state__in=states)), Value(0.0), output_field=FloatField()
    )


def _calls_begun():
    return Coalesce(Sum(_STATE_STARTED, filter=Q(state="on_call")), Value(0))


def _scheduled_followups():
    from django.utils import timezone

    from leads.models import FollowUp

    return FollowUp.objects.filter(next_followup_at__lte=timezone.now())


def _with_on_time(rows: QuerySet) -> QuerySet:
    from leads.models import FollowUp

    later = FollowUp.objects.filter(
        lead=OuterRef("lead"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("next_followup_at") + Value(ONTIME_GRACE),
    )
    return rows.annotate(on_time=Exists(later))


def _with_contacted(rows: QuerySet) -> QuerySet:
    from leads.models import Call, FollowUp

    window_end = OuterRef("assigned_at") + Value(CONTACT_WINDOW)
    followup = FollowUp.objects.filter(
        lead=OuterRef("pk"), created_at__gte=OuterRef("assigned_at"), created_at__lt=window_end
    )
    call = Call.objects.filter(
        lead=OuterRef("pk"), started_at__gte=OuterRef("assigned_at"), started_at__lt=window_end
    )
    return rows.annotate(contacted=Exists(followup) | Exists(call))


# Counts are COUNT(*): the covering (agent, time) indexes then answer them without the table.


def _count_if(condition: Q):
    return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))


METRICS: dict[str, Metric] = {
    Source.SALES_AMOUNT: Metric(Source.SALES_AMOUNT, "agent", "at", Sum("amount"), base=_sales),
    Source.CASH_COLLECTED: Metric(
        Source.CASH_COLLECTED, "agent", "paid_at", Sum("amount"), base=_payments
    ),
    Source.ORDERS: Metric(
        Source.ORDERS,
        "agent",
        "at",
        Sum(Case(When(kind="confirmed", then=1), default=-1, output_field=IntegerField())),
        base=_sales,
    ),
    Source.CONVERSION: Metric(
        Source.CONVERSION,
        "owner",
        "assigned_at",
        _count_if(Q(status="won")),
        Count("*"),
        scale=Decimal("100"),
        additive=False,
        base=_leads_assigned,
    ),
    Source.REVISIT_SCORE: Metric(
        Source.REVISIT_SCORE,
        "assignee",
        "done_at",
        Sum("satisfaction"),
        Count("*"),
        additive=False,
        base=_done_revisits,
    ),
    Source.COMPLAINTS: Metric(
        Source.COMPLAINTS,
        "lead__owner",
        "opened_at",
        Count("*"),
        base=_complaint_tickets,
        counts_records=True,
    ),
    Source.CALLS: Metric(
        Source.CALLS, "agent", "started_at", Count("*"), base=_calls, counts_records=True
    ),
    Source.TALK_TIME: Metric(
        Source.TALK_TIME,
        "agent",
        "started_at",
        Coalesce(Sum("duration_seconds"), 0),
        scale=Decimal("1") / Decimal("60"),
        base=_calls,
    ),
    Source.FOLLOWUPS: Metric(
        Source.FOLLOWUPS,
        "agent",
        "created_at",
        Count("*"),
        base=_followups,
        counts_records=True,
    ),
    Source.ONTIME_FOLLOWUP: Metric(
        Source.ONTIME_FOLLOWUP,
        "agent",
        "created_at",
        _count_if(Q(on_time=True)),
        Count("*"),
        scale=Decimal("100"),
        additive=False,
        base=_scheduled_followups,
        prepare=_with_on_time,
    ),
    Source.CONTACTED_24H: Metric(
        Source.CONTACTED_24H,
        "owner",
        "assigned_at",
        _count_if(Q(contacted=True)),
        Count("*"),
        scale=Decimal("100"),
        additive=False,
        base=_leads_assigned,
        prepare=_with_contacted,
    ),
    Source.OCCUPANCY: Metric(
        Source.OCCUPANCY,
        "user",
        "started_at",
        _state_seconds(*_TALK),
        _state_seconds(*_PRODUCTIVE),
        scale=Decimal("100"),
        additive=False,
        base=_states,
        within=_states_within,
    ),
    Source.PAUSE_MINUTES: Metric(
        Source.PAUSE_MINUTES,
        "user",
        "started_at",
        _state_seconds("paused"),
        scale=Decimal("1") / Decimal("60"),
        base=_states,
        within=_states_within,
    ),
    Source.CALLS_PER_HOUR: Metric(
        Source.CALLS_PER_HOUR,
        "user",
        "started_at",
        _calls_begun(),
        _state_seconds(*_PRODUCTIVE),
        scale=Decimal("3600"),
        additive=False,
        base=_states,
        within=_states_within,
    ),
    Source.HANDLE_TIME: Metric(
        Source.HANDLE_TIME,
        "user",
        "started_at",
        _state_seconds(*_TALK),
        _calls_begun(),
        scale=Decimal("1") / Decimal("60"),
        additive=False,
        base=_states,
        within=_states_within,
    ),
    **{
        source: Metric(
            source,
            "agent",
            "scored_at",
            Sum(part),
            Count("*"),
            scale=scale,
            additive=False,
            base=_quality,
        )
        for source, part, scale in (
            (Source.QUALITY_PROFESSIONALISM, "professionalism", Decimal("20")),
            (Source.QUALITY_COMMUNICATION, "communication", Decimal("20")),
            (Source.QUALITY_PROBLEM_SOLVING, "problem_solving", Decimal("20")),
            (Source.QUALITY_OVERALL, "overall", Decimal("1")),
        )
    },
}


def _grouped(
    metrics: list[Metric], period: Period, *, agent_ids=None, by_team: bool = True
) -> QuerySet:
    """The grouped statement of metrics reading the same records: one row per agent (and
    team at the time), with `num{i}`/`den{i}` for the i-th metric."""
    first = metrics[0]
    assert all(m.records_key == first.records_key for m in metrics)
    rows = first.records(period).filter(**{f"{first.agent}__isnull": False})
    if by_team:
        rows = first.with_team(rows)
    if agent_ids is not None:
        rows = rows.filter(**{f"{first.agent}__in": sorted(set(agent_ids))})
    sums = {}
    for index, metric in enumerate(metrics):
        sums[f"num{index}"] = metric.numerator
        if metric.denominator is not None:
            sums[f"den{index}"] = metric.denominator
    keys = {"agent_key": F(first.agent)}
    if by_team:
        keys["team_key"] = F(f"{TEAM_AT}__team_id")
    return rows.order_by().values(**keys).annotate(**sums)


def _collect(metrics: list[Metric], rows, result: dict[str, list]) -> None:
    for row in rows:
        for index, metric in enumerate(metrics):
            denominator = None
            if metric.denominator is not None:
                denominator = Decimal(row[f"den{index}"] or 0)
            result[metric.source].append(
                (
                    row["agent_key"],
                    row.get("team_key"),
                    Decimal(row[f"num{index}"] or 0),
                    denominator,
                )
            )


def aggregate_together(
    metrics: list[Metric], period: Period, *, agent_ids=None, by_team: bool = True
) -> dict[str, list]:
    """One grouped statement for metrics reading the same records (same `records_key`):
    {source: [(agent id, team id at the time, numerator, denominator), …]}.

    `agent_ids` narrows the statement to those agents' records (a dashboard reads its
    teams' agents only); their rows are the same as without it. `by_team=False` groups by
    agent only (team id None), without joining the memberships: an agent's own figures are
    the sum of their rows over teams, and their memberships never overlap in time.
    """
    result: dict[str, list] = {metric.source: [] for metric in metrics}
    _collect(metrics, _grouped(metrics, period, agent_ids=agent_ids, by_team=by_team), result)
    return result


def aggregate_all(
    sources, period: Period, *, agent_ids=None, by_team: bool = True
) -> dict[str, list]:
    """Every source's rows, metrics reading the same records sharing one statement.

    On PostgreSQL, for a given set of agents (a dashboard's teams or one agent's today),
    the statements travel as one `UNION ALL`, and its SQL is built once per process and
    shape (`_OneTrip`): building four grouped querysets cost more than running them.
    """
    groups: dict[tuple, list[Metric]] = {}
    for source in dict.fromkeys(sources):
        metric = METRICS[source]
        groups.setdefault(metric.records_key, []).append(metric)
    result: dict[str, list] = {source: [] for source in dict.fromkeys(sources)}
    if not groups or (agent_ids is not None and not agent_ids):
        return result
    kinds = list(groups.values())
    if agent_ids is not None and _one_trip_applies():
        trip = _OneTrip.of(kinds, by_team=by_team, agent_count=len(set(agent_ids)))
        if trip is not None:
            trip.run(period, sorted(set(agent_ids)), result)
            return result
    for metrics in kinds:
        _collect(metrics, _grouped(metrics, period, agent_ids=agent_ids, by_team=by_team), result)
    return result


def _one_trip_applies() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


class _OneTrip:
    """The grouped statements of some kinds of records as one `UNION ALL` statement whose
    SQL is kept per process: each statement becomes `SELECT <its index>, agent_key,
    team_key, num0, den0, …`, padded with NULLs to the widest, numbers as numeric.

    The SQL is built twice, from two sets of stand-in bounds and agent ids; it is kept only
    when both give the same text and their parameters differ exactly where the stand-ins
    are (every other parameter a constant), so a definition reading the clock or anything
    else per call is never frozen: it is built per call instead (`of` returns None).
    """

    _kept: dict[tuple, _OneTrip | None] = {}
    _STAND_INS = tuple(
        (dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year, 1, 2, tzinfo=dt.UTC), first)
        for year, first in ((1901, -1_000_000), (1902, -2_000_000))
    )

    def __init__(self, kinds, width: int, sql: str, slots: list) -> None:
        self.kinds, self.width, self.sql, self.slots = kinds, width, sql, slots

    @classmethod
    def of(cls, kinds: list[list[Metric]], *, by_team: bool, agent_count: int) -> _OneTrip | None:
        key = (tuple(tuple(m.source for m in metrics) for metrics in kinds), by_team, agent_count)
        if key not in cls._kept:
            cls._kept[key] = cls._build(kinds, by_team=by_team, agent_count=agent_count)
        return cls._kept[key]

    @classmethod
    def _build(cls, kinds, *, by_team: bool, agent_count: int) -> _OneTrip | None:
        width = max(len(metrics) for metrics in kinds)
        built = []
        for start, end, first_id in cls._STAND_INS:
            ids = [first_id + n for n in range(agent_count)]
            built.append(
                (*_union_sql(kinds, Span(start, end), ids, by_team, width), start, end, ids)
            )
        (sql, params, start0, end0, ids0), (sql1, params1, start1, end1, ids1) = built
        if sql != sql1 or len(params) != len(params1):
            return None
        slots: list = []
        for one, other in zip(params, params1, strict=True):
            if one == start0 and other == start1:
                slots.append(("start", None))
            elif one == end0 and other == end1:
                slots.append(("end", None))
            elif type(one) is int and one in ids0 and other == ids1[ids0.index(one)]:
                slots.append(("agent", ids0.index(one)))
            elif type(one) is type(other) and one == other:
                slots.append(("constant", one))
            else:
                return None
        return cls(kinds, width, sql, slots)

    def run(self, period, agent_ids: list[int], result: dict[str, list]) -> None:
        from django.db import connection

        start, end = period.bounds
        values = {"start": start, "end": end}
        params = [
            agent_ids[value] if kind == "agent" else values.get(kind, value)
            for kind, value in self.slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        by_kind: dict[int, list[dict]] = defaultdict(list)
        for index, agent_key, team_key, *numbers in fetched:
            row = {"agent_key": agent_key, "team_key": team_key}
            for position in range(self.width):
                pair = numbers[2 * position : 2 * position + 2]
                row[f"num{position}"], row[f"den{position}"] = pair
            by_kind[index].append(row)
        for index, metrics in enumerate(self.kinds):
            _collect(metrics, by_kind[index], result)


def _union_sql(kinds, period, agent_ids, by_team: bool, width: int) -> tuple[str, list]:
    from django.db import connection

    parts, params = [], []
    for index, metrics in enumerate(kinds):
        grouped = _grouped(metrics, period, agent_ids=agent_ids, by_team=by_team)
        sql, statement_params = grouped.query.get_compiler(connection=connection).as_sql()
        columns = [str(index), "s.agent_key", "s.team_key" if by_team else "NULL::integer"]
        for position in range(width):
            metric = metrics[position] if position < len(metrics) else None
            columns.append(f"s.num{position}::numeric" if metric else "NULL::numeric")
            has_den = metric is not None and metric.denominator is not None
            columns.append(f"s.den{position}::numeric" if has_den else "NULL::numeric")
        parts.append(f"SELECT {', '.join(columns)} FROM ({sql}) s")  # noqa: S608
        params.extend(statement_params)
    return " UNION ALL ".join(parts), params


def sum_rows(rows, key) -> dict:
    """{key(agent id, team id): [numerator, denominator]} over aggregate rows; a row whose
    key is None counts for nobody (e.g. a team outside the ones shown)."""
    sums: dict = defaultdict(_pair)
    for agent_id, team_id, num, den in rows:
        subject = key(agent_id, team_id)
        if subject is None:
            continue
        sums[subject][0] += num
        sums[subject][1] += den or _ZERO
    return sums


def quantize(number: Decimal | None) -> Decimal | None:
    """A figure as stored: four decimals, clamped to what a `ScorecardValue` holds."""
    if number is None:
        return None
    number = max(min(number, _FIGURE_MAX), -_FIGURE_MAX)
    return number.quantize(_FOUR, rounding=ROUND_HALF_UP)


def achievement_of(value, target, *, higher_is_better: bool) -> Decimal | None:
    """Achievement in % (uncapped, but at most 9,999,999), None when it cannot be told.

    value / target × 100; for lower-is-better indicators target / value × 100 (a value of
    0 achieves the cap)."""
    if value is None or target is None:
        return None
    if higher_is_better:
        if target <= 0:
            return None
        result = value / target * 100
    else:
        if value <= 0:
            return ACHIEVEMENT_CAP
        if target < 0:
            return None
        result = target / value * 100
    return min(result, Decimal("9999999")).quantize(_TWO, rounding=ROUND_HALF_UP)


def metric_for(source: str) -> Metric:
    return METRICS[source]


STATE_SOURCES = (
    Source.OCCUPANCY,
    Source.PAUSE_MINUTES,
    Source.CALLS_PER_HOUR,
    Source.HANDLE_TIME,
)


def state_seconds(span, *, agent_ids) -> dict[int, dict[tuple[str, int | None], float]]:
    """{agent id: {(state, pause code id): seconds}} over `span`: the records of the state
    indicators above (the same clipping), by state and pause code. One query."""
    rows = (
        METRICS[Source.OCCUPANCY]
        .records(span)
        .filter(user_id__in=sorted(set(agent_ids)))
        .order_by()
        .values("user_id", "state", "pause_code_id")
        .annotate(total=Sum(_STATE_SECONDS))
    )
    result: dict[int, dict] = defaultdict(dict)
    for row in rows:
        result[row["user_id"]][(row["state"], row["pause_code_id"])] = float(row["total"] or 0)
    return result


@dataclass
class Figures:
    """An indicator's numerator and denominator per agent, per team and per department."""

    agents: dict[int, list[Decimal]] = field(default_factory=lambda: defaultdict(_pair))
    teams: dict[int, list[Decimal]] = field(default_factory=lambda: defaultdict(_pair))
    departments: dict[int, list[Decimal]] = field(default_factory=lambda: defaultdict(_pair))


def _pair() -> list[Decimal]:
    return [_ZERO, _ZERO]


def roll_up(rows, *, team_departments: dict[int, list[int]]) -> Figures:
    """Sum (agent, team, numerator, denominator) rows into agents, teams and departments.

    `team_departments` maps a team to every department whose subtree contains it.
    """
    figures = Figures()
    for agent_id, team_id, num, den in rows:
        den = den or _ZERO
        for bucket in _buckets(figures, agent_id, team_id, team_departments):
            bucket[0] += num
            bucket[1] += den
    return figures


def _buckets(figures: Figures, agent_id, team_id, team_departments):
    yield figures.agents[agent_id]
    if team_id is not None:
        yield figures.teams[team_id]
        for department_id in team_departments.get(team_id, ()):
            yield figures.departments[department_id]

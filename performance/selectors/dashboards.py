"""What the performance dashboards show: every figure is a SQL aggregate, scoped by access.

Three boards, each read in a fixed, small number of queries whatever the team's size:

* `team_dashboard(user, team=, period=)`: a manager's morning review of one team. Today
  (calls, talk time, follow-ups, leads contacted, orders and sales confirmed), this period
  against target (the team's scorecard when the engine has computed it, else live sums),
  the leaderboard (agents' scorecards of the period), the funnel, each agent's efficiency,
  the weekly revisit satisfaction of the last 12 weeks and the overdue work.
* `team_comparison(user, period=)`: a head's teams side by side.
* `agent_dashboard(user, period=)`: an agent's own figures, their rank and their trend.

Whose records count for a team follows `crm.TeamMembership` history, like the scorecards:
a follow-up, call, assignment or revisit counts for the team its agent was in when it was
made. The team's memberships overlapping the dates read are loaded once ("windows") and
turned into `(agent = a AND at in [from, to))` conditions, which the (agent, time) indexes
answer directly. Sales come from the ledger (`orders.SalesEntry`), which already names the
team of the sale. The team's funnel counts the leads assigned to its members in the period:

* contacted: the lead has a follow-up or a call (or got further);
* interested: its status is interested or won, or its intent is medium or high (or it
  has an order): what the agent learnt in the needs analysis;
* order: it has an order that was confirmed.

Each stage contains the next, so the funnel never widens.

Today's figures and the overdue work are read on every view. The period-wide figures a
scorecard does not hold (the funnel, the 12-week satisfaction trend, live sums while no
scorecard exists) read tens of thousands of index entries on a busy team (about 0.1 s,
answered from the covering (agent, time) indexes); they are kept in the cache for
`PERFORMANCE_DASHBOARD_CACHE_SECONDS` (default 60 s; 0 turns it off) per team and period,
so a manager reloading the board does not pay it again.
The record aggregates read from the read replica when one is configured
(`crm.db_router.replica_alias`): a dashboard tolerates seconds of lag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from aftersales.models import Revisit, RevisitStatus, ServiceTicket, TicketStatus
from crm import access
from crm.api import user_name
from crm.db_router import replica_alias
from crm.models import Member, MemberStatus, Role, Team, TeamMembership
from leads.models import OPEN_STATUSES, Assignment, Call, Disposition, FollowUp, Lead
from orders.models import Order, SalesEntry
from performance import access as performance_access

from ..models import ImprovementPlan, Level, Scorecard, ScorecardValue, Source, Unit
from ..periods import Period

ZERO = Decimal("0")
HUNDRED = Decimal("100")
TREND_WEEKS = 12
TREND_PERIODS = 6
# The periods a board may be asked for (the trend reads six periods back).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
# Follow-up outcomes that show interest: what moves a lead to interested or won.
INTEREST = (Disposition.INTERESTED, Disposition.WON)
ACTIVE_TICKETS = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED)
# What the live figures (no scorecard yet) cover, in the order a board lists them.
LIVE_SOURCES = (
    Source.SALES_AMOUNT,
    Source.ORDERS,
    Source.CONVERSION,
    Source.CALLS,
    Source.TALK_TIME,
    Source.FOLLOWUPS,
)
LIVE_UNITS = {
    Source.SALES_AMOUNT: Unit.MONEY,
    Source.ORDERS: Unit.COUNT,
    Source.CONVERSION: Unit.PERCENT,
    Source.CALLS: Unit.COUNT,
    Source.TALK_TIME: Unit.MINUTES,
    Source.FOLLOWUPS: Unit.COUNT,
}


# --- the pieces a board is made of -------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One member's time in a team: [start, end), end None while they are still in it."""

    user_id: int
    team_id: int
    start: dt.datetime
    end: dt.datetime | None


@dataclass
class Sums:
    """Live sums of one agent (or a whole team) over a time range."""

    followups: int = 0
    leads_worked: int = 0
    calls: int = 0
    talk_seconds: int = 0
    orders: int = 0
    sales: Decimal = ZERO
    leads_contacted: int = 0

    @property
    def talk_minutes(self) -> Decimal:
        return (Decimal(self.talk_seconds) / 60).quantize(Decimal("0.1"))

    @property
    def conversion(self) -> Decimal | None:
        """Orders confirmed per lead worked, in percent."""
        if not self.leads_worked:
            return None
        return (Decimal(self.orders) * HUNDRED / self.leads_worked).quantize(Decimal("0.1"))

    def add(self, other: Sums) -> None:
        for name in ("followups", "leads_worked", "calls", "talk_seconds", "orders", "sales"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class FigureRow:
    """One indicator this period: value against target."""

    source: str
    name: str
    unit: str
    value: Decimal | None
    target: Decimal | None
    achievement: Decimal | None
    indicator_id: int | None = None
    code: str = ""  # the indicator's code, for the scorecard's drill-down
    url: str | None = None  # the records behind the figure (set by the view)


@dataclass
class AgentRow:
    """An agent on the leaderboard and in the efficiency table."""

    user_id: int
    name: str
    total: Decimal | None = None
    rank: int | None = None
    rank_of: int | None = None
    sales: Decimal = ZERO
    orders: int = 0
    calls: int = 0
    talk_minutes: Decimal = ZERO
    followups: int = 0
    conversion: Decimal | None = None
    ontime_rate: Decimal | None = None
    scorecard_id: int | None = None
    url: str | None = None  # where the page links the agent's figures (set by the view)


@dataclass
class TeamDashboard:
    team: Team
    period: Period
    today: Sums
    figures: list[FigureRow]
    from_scorecard: bool
    team_scorecard: Scorecard | None
    leaderboard: list[AgentRow]
    funnel: dict[str, int]
    satisfaction: list[dict]
    overdue: dict[str, int]
    sales_by_day: list[tuple[dt.date, Decimal]]
    sales_target: Decimal | None
    agent_count: int = 0


@dataclass
class TeamColumn:
    """One team in the head's comparison."""

    team: Team
    agents: int = 0
    sales: Decimal = ZERO
    sales_target: Decimal | None = None
    achievement: Decimal | None = None
    total: Decimal | None = None
    rank: int | None = None
    calls: int = 0
    conversion: Decimal | None = None
    satisfaction: Decimal | None = None
    complaints: int = 0
    leavers: int = 0
    attrition: Decimal | None = None
    from_scorecard: bool = False
    scorecard_id: int | None = None
    url: str | None = None  # the team's dashboard (set by the view)

    @property
    def calls_per_agent(self) -> Decimal | None:
        if not self.agents:
            return None
        return (Decimal(self.calls) / self.agents).quantize(Decimal("0.1"))


@dataclass
class AgentDashboard:
    user_id: int
    period: Period
    today: Sums
    figures: list[FigureRow]
    from_scorecard: bool
    scorecard: Scorecard | None
    rank: int | None
    rank_of: int | None
    trend: list[dict] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------


def cache_seconds() -> int:
    """How long a board's period-wide figures are reused (0: computed on every view)."""
    return int(getattr(settings, "PERFORMANCE_DASHBOARD_CACHE_SECONDS", 60))


def _cached(key: str, compute):
    """`compute()` once per `cache_seconds()` for a team-level figure (not per viewer: the
    view checked the viewer may see the team before asking)."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    key = f"performance:dashboard:{key}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def today_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """Local midnight to the next one, and the local date."""
    day = timezone.localdate(now or timezone.now())
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1), day


def team_windows(team_ids, start: dt.datetime, end: dt.datetime) -> list[Window]:
    """The memberships of `team_ids` overlapping [start, end): one query."""
    rows = (
        TeamMembership.objects.overlapping(start, end)
        .filter(team_id__in=list(team_ids))
        .values_list("member__user_id", "team_id", "started_at", "ended_at")
    )
    return [Window(*row) for row in rows]


def _in_windows(
    windows, field_name: str, start: dt.datetime, end: dt.datetime, *, who: str = "agent_id"
) -> Q:
    """Rows made by a window's member while in the team, within [start, end).

    The leading `who IN (...) AND time in [start, end)` is what PostgreSQL turns into one
    index range scan per member on the covering (agent, time) indexes, answered from the
    index alone; the OR of windows is then a filter on index columns. With the OR alone
    the planner ORs bitmaps and reads every row from the table (0.8 s instead of 0.12 s
    for a month of a busy team's follow-ups on the bench data).
    """
    q = Q(pk__in=[])
    members = set()
    for window in windows:
        lower = max(window.start, start)
        upper = min(window.end, end) if window.end else end
        if lower < upper:
            members.add(window.user_id)
            q |= Q(**{who: window.user_id, f"{field_name}__gte": lower, f"{field_name}__lt": upper})
    if not members:
        return q
    span = Q(
        **{f"{who}__in": sorted(members), f"{field_name}__gte": start, f"{field_name}__lt": end}
    )
    return span & q


def _percent(value: Decimal | None, target: Decimal | None, higher_is_better: bool = True):
    if value is None or not target:
        return None
    if higher_is_better:
        return (Decimal(value) * HUNDRED / Decimal(target)).quantize(Decimal("0.01"))
    if not value:
        return HUNDRED
    return (Decimal(target) * HUNDRED / Decimal(value)).quantize(Decimal("0.01"))


def _live_by_agent(q_followups: Q, q_calls: Q, q_sales: Q) -> dict[int, Sums]:
    """Follow-ups, calls and sales grouped by agent: three queries."""
    sums: dict[int, Sums] = defaultdict(Sums)
    for row in (
        FollowUp.objects.using(replica_alias())
        .filter(q_followups)
        .order_by()
        .values("agent_id")
        .annotate(n=Count("pk"), leads=Count("lead_id", distinct=True))
    ):
        sums[row["agent_id"]].followups = row["n"]
        sums[row["agent_id"]].leads_worked = row["leads"]
    for row in (
        Call.objects.using(replica_alias())
        .filter(q_calls)
        .order_by()
        .values("agent_id")
        .annotate(n=Count("pk"), seconds=Sum("duration_seconds"))
    ):
        sums[row["agent_id"]].calls = row["n"]
        sums[row["agent_id"]].talk_seconds = row["seconds"] or 0
    for row in (
        SalesEntry.objects.using(replica_alias())
        .filter(q_sales)
        .order_by()
        .values("agent_id")
        .annotate(amount=Sum("amount"), n=Count("pk", filter=Q(kind=SalesEntry.Kind.CONFIRMED)))
    ):
        sums[row["agent_id"]].sales = row["amount"] or ZERO
        sums[row["agent_id"]].orders = row["n"]
    return sums


def _today(q_followups: Q, q_calls: Q, q_sales: Q) -> Sums:
    """Today's totals in two queries: follow-ups and calls in one pass (a UNION ALL of the
    two, aggregated: counts, talk time and distinct leads touched), then the ledger."""
    followups = (
        FollowUp.objects.using(replica_alias())
        .filter(q_followups)
        .order_by()
        .annotate(record_kind=Value(1), seconds=Value(0))
        .values_list("lead_id", "record_kind", "seconds")
    )
    calls = (
        Call.objects.using(replica_alias())
        .filter(q_calls)
        .order_by()
        .annotate(record_kind=Value(2), seconds=F("duration_seconds"))
        .values_list("lead_id", "record_kind", "seconds")
    )
    followups_sql, followups_params = followups.query.sql_with_params()
    calls_sql, calls_params = calls.query.sql_with_params()
    # Both parts are the ORM's own SQL with their parameters kept apart: nothing is pasted.
    totals = (
        "SELECT COUNT(*) FILTER (WHERE t.record_kind = 1),"
        " COUNT(*) FILTER (WHERE t.record_kind = 2),"
        " COALESCE(SUM(t.seconds), 0), COUNT(DISTINCT t.lead_id)"
    )
    sql = f"{totals} FROM ({followups_sql} UNION ALL {calls_sql}) AS t"
    with connections[replica_alias()].cursor() as cursor:
        cursor.execute(sql, (*followups_params, *calls_params))
        followup_count, call_count, seconds, leads = cursor.fetchone()
    sales = (
        SalesEntry.objects.using(replica_alias())
        .filter(q_sales)
        .aggregate(amount=Sum("amount"), n=Count("pk", filter=Q(kind=SalesEntry.Kind.CONFIRMED)))
    )
    return Sums(
        followups=followup_count,
        calls=call_count,
        talk_seconds=int(seconds),
        leads_contacted=leads,
        orders=sales["n"],
        sales=sales["amount"] or ZERO,
    )


def _targets(user, subject: Q, period: Period) -> dict[str, tuple[Decimal, bool, str, int]]:
    """Targets of one subject and period, by indicator source (one query)."""
    rows = (
        performance_access.visible_targets(user)
        .filter(subject, period_kind=period.kind, period_start=period.start)
        .select_related("indicator")
    )
    return {
        t.indicator.source: (
            t.value,
            t.indicator.higher_is_better,
            t.indicator.label,
            t.indicator_id,
        )
        for t in rows
    }


def _live_figures(total: Sums, targets: dict) -> list[FigureRow]:
    values = {
        Source.SALES_AMOUNT: total.sales,
        Source.ORDERS: Decimal(total.orders),
        Source.CONVERSION: total.conversion,
        Source.CALLS: Decimal(total.calls),
        Source.TALK_TIME: total.talk_minutes,
        Source.FOLLOWUPS: Decimal(total.followups),
    }
    rows = []
    for source in LIVE_SOURCES:
        target, higher, name, indicator_id = targets.get(source, (None, True, None, None))
        rows.append(
            FigureRow(
                source=source,
                name=name or Source(source).label,
                unit=LIVE_UNITS[source],
                value=values[source],
                target=target,
                achievement=_percent(values[source], target, higher),
                indicator_id=indicator_id,
            )
        )
    return rows


def _scorecard_figures(values) -> list[FigureRow]:
    return [
        FigureRow(
            source=v.indicator.source,
            name=v.indicator.label,
            unit=v.indicator.unit,
            value=v.value,
            target=v.target,
            achievement=v.achievement,
            indicator_id=v.indicator_id,
            code=v.indicator.code,
        )
        for v in values
    ]


def _values_by_scorecard(scorecard_ids) -> dict[int, list[ScorecardValue]]:
    """Every value of these scorecards, indicator order (one query)."""
    by_card: dict[int, list[ScorecardValue]] = defaultdict(list)
    if not scorecard_ids:
        return by_card
    rows = (
        ScorecardValue.objects.filter(scorecard_id__in=list(scorecard_ids))
        .select_related("indicator")
        .order_by("scorecard_id", "indicator__position", "indicator_id")
    )
    for value in rows:
        by_card[value.scorecard_id].append(value)
    return by_card


def _value_of(values: list[ScorecardValue], source: str) -> ScorecardValue | None:
    return next((v for v in values if v.indicator.source == source), None)


# --- the team dashboard ---------------------------------------------------------------------


def team_dashboard(user, *, team: Team, period: Period, now: dt.datetime | None = None):
    """The manager's morning review of `team` (a team `user` sees) for `period`."""
    now = now or timezone.now()
    day_start, day_end, today = today_bounds(now)
    start, end = period.bounds
    trend_start = day_start - dt.timedelta(days=day_start.weekday() + 7 * (TREND_WEEKS - 1))
    windows = team_windows([team.pk], min(start, day_start, trend_start), max(end, day_end))
    members = {
        m.user_id: m
        for m in Member.objects.filter(user_id__in={w.user_id for w in windows}).select_related(
            "user"
        )
    }
    agent_ids = sorted(uid for uid, m in members.items() if m.role == Role.AGENT)

    today_sums = _today(
        _in_windows(windows, "created_at", day_start, day_end),
        _in_windows(windows, "started_at", day_start, day_end),
        Q(team_id=team.pk, day=today),
    )

    # This period: the scorecards (team and agents) when computed.
    cards = list(
        performance_access.visible_scorecards(user)
        .filter(period_kind=period.kind, period_start=period.start)
        .filter(Q(level=Level.TEAM, team_id=team.pk) | Q(level=Level.AGENT, agent_id__in=agent_ids))
    )
    values = _values_by_scorecard([c.pk for c in cards])
    team_card = next((c for c in cards if c.level == Level.TEAM), None)
    agent_cards = {c.agent_id: c for c in cards if c.level == Level.AGENT}

    scored = team_card is not None and bool(values.get(team_card.pk))
    if scored:
        # The scorecards have the period: an agent without one (hired or gone since the
        # last recompute) shows no figures until the next one.
        live: dict[int, Sums] = {}
    else:
        live = _cached(
            f"live:{team.pk}:{period.kind}:{period.start}",
            lambda: dict(
                _live_by_agent(
                    _in_windows(windows, "created_at", start, end),
                    _in_windows(windows, "started_at", start, end),
                    Q(team_id=team.pk, day__gte=period.start, day__lt=period.end),
                )
            ),
        )
    team_live = Sums()
    for sums in live.values():
        team_live.add(sums)

    if scored:
        figures = _scorecard_figures(values[team_card.pk])
        from_scorecard = True
    else:
        targets = _targets(user, Q(level=Level.TEAM, team_id=team.pk), period)
        figures = _live_figures(team_live, targets)
        from_scorecard = False
    sales_row = next((f for f in figures if f.source == Source.SALES_AMOUNT), None)

    leaderboard = _leaderboard(agent_ids, members, live, agent_cards, values)

    return TeamDashboard(
        team=team,
        period=period,
        today=today_sums,
        figures=figures,
        from_scorecard=from_scorecard,
        team_scorecard=team_card,
        leaderboard=leaderboard,
        funnel=_cached(
            f"funnel:{team.pk}:{period.kind}:{period.start}",
            lambda: _funnel(windows, team.pk, start, end),
        ),
        satisfaction=_cached(
            f"satisfaction:{team.pk}:{today}",
            lambda: _satisfaction_trend(windows, trend_start, day_end),
        ),
        overdue=_overdue(team, members, now=now, today=today),
        sales_by_day=_sales_by_day(Q(team_id=team.pk), period),
        sales_target=sales_row.target if sales_row else None,
        agent_count=len(agent_ids),
    )


def _leaderboard(agent_ids, members, live, agent_cards, values) -> list[AgentRow]:
    rows = []
    for uid in agent_ids:
        sums = live.get(uid, Sums())
        row = AgentRow(
            user_id=uid,
            name=user_name(members[uid].user),
            sales=sums.sales,
            orders=sums.orders,
            calls=sums.calls,
            talk_minutes=sums.talk_minutes,
            followups=sums.followups,
            conversion=sums.conversion,
        )
        card = agent_cards.get(uid)
        if card is not None:
            row.total, row.rank, row.rank_of, row.scorecard_id = (
                card.total,
                card.rank,
                card.rank_of,
                card.pk,
            )
            card_values = values.get(card.pk, [])
            for source, attr in (
                (Source.SALES_AMOUNT, "sales"),
                (Source.ORDERS, "orders"),
                (Source.CALLS, "calls"),
                (Source.TALK_TIME, "talk_minutes"),
                (Source.FOLLOWUPS, "followups"),
                (Source.CONVERSION, "conversion"),
                (Source.ONTIME_FOLLOWUP, "ontime_rate"),
            ):
                value = _value_of(card_values, source)
                if value is not None and value.value is not None:
                    counted = attr in ("orders", "calls", "followups")
                    setattr(row, attr, int(value.value) if counted else value.value)
        rows.append(row)
    scored = any(r.total is not None for r in rows)
    if scored:
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, -(r.total or 0), r.name))
    else:
        # No scorecards yet: ranked by sales, then orders, then calls.
        rows.sort(key=lambda r: (-r.sales, -r.orders, -r.calls, r.name))
        for position, row in enumerate(rows, start=1):
            row.rank, row.rank_of = position, len(rows)
    return rows


def _funnel(windows, team_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Leads assigned to the team's members in the period, and how far they got (one query).

    Set-based: each stage is a hashed `lead_id IN (...)` over the team's own follow-ups,
    calls and orders since the period began, read along the (agent, time) and
    (team, time) indexes, never a probe per lead.
    """
    assigned = Assignment.objects.using(replica_alias()).filter(
        _in_windows(windows, "at", start, end, who="to_user_id")
    )
    followed = FollowUp.objects.using(replica_alias()).filter(
        _in_windows(windows, "created_at", start, end)
    )
    called = Call.objects.using(replica_alias()).filter(
        _in_windows(windows, "started_at", start, end)
    )
    showed_interest = followed.filter(disposition__in=INTEREST)
    ordered = Order.objects.using(replica_alias()).filter(
        team_id=team_id, created_at__gte=start, created_at__lt=end, confirmed_at__isnull=False
    )
    stage_order = Q(lead_id__in=ordered.values("lead_id"))
    stage_interest = stage_order | Q(lead_id__in=showed_interest.values("lead_id"))
    stage_contact = (
        stage_interest
        | Q(lead_id__in=followed.values("lead_id"))
        | Q(lead_id__in=called.exclude(lead_id=None).values("lead_id"))
    )
    return assigned.aggregate(
        assigned=Count("lead_id", distinct=True),
        contacted=Count("lead_id", distinct=True, filter=stage_contact),
        interested=Count("lead_id", distinct=True, filter=stage_interest),
        ordered=Count("lead_id", distinct=True, filter=stage_order),
    )


def week_starts(end_day: dt.date, weeks: int = TREND_WEEKS) -> list[dt.date]:
    monday = end_day - dt.timedelta(days=end_day.weekday())
    return [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _satisfaction_trend(windows, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Average revisit satisfaction per week (Monday first), the team's revisits (one query)."""
    zone = timezone.get_current_timezone()
    daily = (
        Revisit.objects.using(replica_alias())
        .filter(
            _in_windows(windows, "done_at", start, end, who="assignee_id"),
            status=RevisitStatus.DONE,
            satisfaction__isnull=False,
        )
        .annotate(day=TruncDate("done_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(total=Sum("satisfaction"), n=Count("pk"))
    )
    return _weekly(daily, end_day=(end - dt.timedelta(seconds=1)).astimezone(zone).date())


def _weekly(daily_rows, *, end_day: dt.date) -> list[dict]:
    weeks = week_starts(end_day)
    totals = {week: [0, 0] for week in weeks}
    for row in daily_rows:
        week = row["day"] - dt.timedelta(days=row["day"].weekday())
        if week in totals:
            totals[week][0] += row["total"] or 0
            totals[week][1] += row["n"]
    return [
        {
            "week": week,
            "average": (Decimal(total) / n).quantize(Decimal("0.01")) if n else None,
            "revisits": n,
        }
        for week, (total, n) in totals.items()
    ]


def _overdue(team: Team, members: dict, *, now: dt.datetime, today: dt.date) -> dict[str, int]:
    """Work past its time, of the team's current members (four counts)."""
    current = [
        uid
        for uid, member in members.items()
        if member.team_id == team.pk and member.status != MemberStatus.LEFT
    ]
    return {
        "followups": Lead.objects.using(replica_alias())
        .filter(owner_id__in=current, status__in=OPEN_STATUSES, next_followup_at__lt=now)
        .count(),
        "revisits": Revisit.objects.using(replica_alias())
        .filter(assignee_id__in=current, status=RevisitStatus.SCHEDULED, due_at__lt=now)
        .count(),
        "tickets": ServiceTicket.objects.using(replica_alias())
        .filter(team_id=team.pk, status__in=ACTIVE_TICKETS, due_at__lt=now)
        .count(),
        "plans": ImprovementPlan.objects.using(replica_alias())
        .filter(team_id=team.pk, status=ImprovementPlan.Status.OPEN, due_on__lt=today)
        .count(),
    }


def _sales_by_day(subject: Q, period: Period) -> list[tuple[dt.date, Decimal]]:
    """Net sales per day of the period, every day listed (one query)."""
    amounts = dict(
        SalesEntry.objects.using(replica_alias())
        .filter(subject, day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("day")
        .annotate(amount=Sum("amount"))
        .values_list("day", "amount")
    )
    days = [period.start + dt.timedelta(days=n) for n in range(period.days)]
    return [(day, amounts.get(day, ZERO)) for day in days]


# --- the head's comparison of teams --------------------------------------------------------


def team_comparison(user, *, period: Period, teams=None, today: dt.date | None = None):
    """The teams `user` sees (or `teams`, a queryset of them) side by side for `period`."""
    today = today or timezone.localdate()
    teams = list(
        (teams if teams is not None else access.visible_teams(user))
        .filter(is_active=True)
        .select_related("department", "manager")
        .order_by("department__path", "name")
    )
    team_ids = [t.pk for t in teams]
    columns = {t.pk: TeamColumn(team=t) for t in teams}
    if not teams:
        return []
    start, end = period.bounds

    # Headcount and leavers this month, per team (one query).
    first = today.replace(day=1)
    for row in (
        Member.objects.using(replica_alias())
        .filter(team_id__in=team_ids)
        .order_by()
        .values("team_id")
        .annotate(
            agents=Count("pk", filter=Q(role=Role.AGENT) & ~Q(status=MemberStatus.LEFT)),
            seated=Count("pk", filter=~Q(status=MemberStatus.LEFT)),
            leavers=Count("pk", filter=Q(status=MemberStatus.LEFT, leave_date__gte=first)),
            hires=Count("pk", filter=Q(hire_date__gte=first)),
        )
    ):
        column = columns[row["team_id"]]
        column.agents = row["agents"]
        column.leavers = row["leavers"]
        at_start = row["seated"] + row["leavers"] - row["hires"]
        average = Decimal(at_start + row["seated"]) / 2
        column.attrition = (
            (Decimal(row["leavers"]) * HUNDRED / average).quantize(Decimal("0.1"))
            if average
            else None
        )

    # The teams' scorecards of the period and their values (two queries).
    cards = {
        c.team_id: c
        for c in performance_access.visible_scorecards(user).filter(
            level=Level.TEAM,
            team_id__in=team_ids,
            period_kind=period.kind,
            period_start=period.start,
        )
    }
    values = _values_by_scorecard([c.pk for c in cards.values()])
    for team_id, card in cards.items():
        card_values = values.get(card.pk)
        if not card_values:
            continue
        column = columns[team_id]
        column.from_scorecard = True
        column.total, column.scorecard_id = card.total, card.pk
        sales = _value_of(card_values, Source.SALES_AMOUNT)
        if sales is not None:
            column.sales = sales.value or ZERO
            column.sales_target = sales.target
            column.achievement = sales.achievement
        for source, attr in (
            (Source.CALLS, "calls"),
            (Source.CONVERSION, "conversion"),
            (Source.REVISIT_SCORE, "satisfaction"),
            (Source.COMPLAINTS, "complaints"),
        ):
            value = _value_of(card_values, source)
            if value is not None and value.value is not None:
                number = value.value
                setattr(column, attr, int(number) if attr in ("calls", "complaints") else number)

    live_ids = [t for t in team_ids if not columns[t].from_scorecard]
    if live_ids:
        _live_columns(user, [columns[t] for t in live_ids], period, start, end)
    # Ranked among the teams compared (a scorecard's own rank is among its department's).
    ordered = list(columns.values())
    if any(c.total is not None for c in ordered):
        key = lambda c: (c.total is None, -(c.total or 0), -c.sales)  # noqa: E731
    else:
        key = lambda c: (-(c.achievement or 0), -c.sales)  # noqa: E731
    for position, column in enumerate(sorted(ordered, key=key), start=1):
        column.rank = position
    return ordered


def _live_columns(user, columns: list[TeamColumn], period: Period, start, end) -> None:
    """Teams without a scorecard: live sums (a fixed number of grouped queries, cached)."""
    by_id = {c.team.pk: c for c in columns}
    ids = sorted(by_id)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    figures = _cached(
        f"teams:{period.kind}:{period.start}:{digest}",
        lambda: _live_team_figures(ids, period, start, end),
    )
    for team_id, numbers in figures.items():
        for name, value in numbers.items():
            setattr(by_id[team_id], name, value)
    for team_id, value in (
        performance_access.visible_targets(user)
        .filter(
            level=Level.TEAM,
            team_id__in=ids,
            period_kind=period.kind,
            period_start=period.start,
            indicator__source=Source.SALES_AMOUNT,
        )
        .values_list("team_id", "value")
    ):
        column = by_id[team_id]
        column.sales_target = value
        column.achievement = _percent(column.sales, value)


def _live_team_figures(ids, period: Period, start, end) -> dict[int, dict]:
    """Sales, calls, conversion, satisfaction and complaints per team (four queries).

    Calls and leads worked count for the team the agent was in at the time (a join on
    the membership covering the record's time); sales and revisits carry their team.
    """
    figures: dict[int, dict] = {team_id: {} for team_id in ids}
    confirmed: dict[int, int] = {}
    for row in (
        SalesEntry.objects.using(replica_alias())
        .filter(team_id__in=ids, day__gte=period.start, day__lt=period.end)
        .order_by()
        .values("team_id")
        .annotate(amount=Sum("amount"), n=Count("pk", filter=Q(kind=SalesEntry.Kind.CONFIRMED)))
    ):
        figures[row["team_id"]]["sales"] = row["amount"] or ZERO
        confirmed[row["team_id"]] = row["n"]
    membership = TeamMembership.objects.filter(team_id__in=ids)

    def in_team(at: str) -> Q:
        return Q(
            agent__member__memberships__in=membership,
            agent__member__memberships__started_at__lte=F(at),
        ) & (
            Q(agent__member__memberships__ended_at__isnull=True)
            | Q(agent__member__memberships__ended_at__gt=F(at))
        )

    for row in (
        Call.objects.using(replica_alias())
        .filter(in_team("started_at"), started_at__gte=start, started_at__lt=end)
        .order_by()
        .values(team_id=F("agent__member__memberships__team_id"))
        .annotate(n=Count("pk"))
    ):
        figures[row["team_id"]]["calls"] = row["n"]
    for row in (
        FollowUp.objects.using(replica_alias())
        .filter(in_team("created_at"), created_at__gte=start, created_at__lt=end)
        .order_by()
        .values(team_id=F("agent__member__memberships__team_id"))
        .annotate(leads=Count("lead_id", distinct=True))
    ):
        if row["leads"]:
            figures[row["team_id"]]["conversion"] = (
                Decimal(confirmed.get(row["team_id"], 0)) * HUNDRED / row["leads"]
            ).quantize(Decimal("0.1"))
    for row in (
        Revisit.objects.using(replica_alias())
        .filter(
            order__team_id__in=ids, done_at__gte=start, done_at__lt=end, status=RevisitStatus.DONE
        )
        .order_by()
        .values(team_id=F("order__team_id"))
        .annotate(
            total=Sum("satisfaction"),
            n=Count("satisfaction"),
            complaints=Count("pk", filter=Q(complaint=True)),
        )
    ):
        figures[row["team_id"]]["complaints"] = row["complaints"]
        if row["n"]:
            figures[row["team_id"]]["satisfaction"] = (Decimal(row["total"]) / row["n"]).quantize(
                Decimal("0.01")
            )
    return figures


# --- the agent's own page ------------------------------------------------------------------


def agent_dashboard(user, *, period: Period, now: dt.datetime | None = None) -> AgentDashboard:
    """The signed-in agent's own figures: today, this period, rank and the last periods."""
    now = now or timezone.now()
    day_start, day_end, today = today_bounds(now)
    start, end = period.bounds
    me = Q(agent_id=user.pk)

    today_sums = _today(
        me & Q(created_at__gte=day_start, created_at__lt=day_end),
        me & Q(started_at__gte=day_start, started_at__lt=day_end),
        me & Q(day=today),
    )

    periods = [period]
    while len(periods) < TREND_PERIODS:
        periods.append(periods[-1].previous())
    periods.reverse()
    cards = {
        c.period_start: c
        for c in performance_access.visible_scorecards(user).filter(
            level=Level.AGENT,
            agent_id=user.pk,
            period_kind=period.kind,
            period_start__in=[p.start for p in periods],
        )
    }
    values = _values_by_scorecard([c.pk for c in cards.values()])
    card = cards.get(period.start)
    if card is not None and values.get(card.pk):
        figures = _scorecard_figures(values[card.pk])
        from_scorecard = True
    else:
        live = _live_by_agent(
            me & Q(created_at__gte=start, created_at__lt=end),
            me & Q(started_at__gte=start, started_at__lt=end),
            me & Q(day__gte=period.start, day__lt=period.end),
        ).get(user.pk, Sums())
        targets = _targets(user, Q(level=Level.AGENT, agent_id=user.pk), period)
        figures = _live_figures(live, targets)
        from_scorecard = False

    # The trend: each period's total (scorecards) and net sales (the ledger, one query).
    daily = dict(
        SalesEntry.objects.using(replica_alias())
        .filter(me, day__gte=periods[0].start, day__lt=period.end)
        .order_by()
        .values("day")
        .annotate(amount=Sum("amount"))
        .values_list("day", "amount")
    )
    trend = []
    for each in periods:
        past = cards.get(each.start)
        trend.append(
            {
                "period": each,
                "label": str(each),
                "total": past.total if past else None,
                "rank": past.rank if past else None,
                "rank_of": past.rank_of if past else None,
                "sales": sum((amount for day, amount in daily.items() if each.contains(day)), ZERO),
            }
        )
    return AgentDashboard(
        user_id=user.pk,
        period=period,
        today=today_sums,
        figures=figures,
        from_scorecard=from_scorecard,
        scorecard=card,
        rank=card.rank if card else None,
        rank_of=card.rank_of if card else None,
        trend=trend,
    )


def default_team(user) -> Team | None:
    """The team a dashboard opens on: the one the user manages, else the first they see."""
    teams = access.visible_teams(user).filter(is_active=True)
    return (
        teams.filter(manager=user).order_by("pk").first()
        or teams.order_by("department__path", "name").first()
    )

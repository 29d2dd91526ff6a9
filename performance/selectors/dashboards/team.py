"""The team dashboard: a manager's morning review of one team.

Today so far and this period (to date) come from `performance.metrics` through
`figures`: live, or the team's scorecard of the period when the engine has computed it. The
leaderboard reads the agents' scorecards, or the same live pass. The daily sales line and
the weekly satisfaction are the sales and revisit-score indicators' records (their
drill-downs) grouped by day, so they add up to the figures beside them. The funnel and the
overdue work are not indicators: they count the team's leads and open work.

Whose records count for a team follows `crm.TeamMembership` history, like the scorecards:
a record counts for the team its agent was in when it was made. The period-wide figures
are kept in the cache for `PERFORMANCE_DASHBOARD_CACHE_SECONDS` (default 60 s) per team and
period, with the time they were computed; today's are computed on every view. The record
aggregates read from the read replica when one is configured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from aftersales.models import Revisit, RevisitStatus, ServiceTicket, TicketStatus
from crm.api import user_name
from crm.db_router import replica_alias
from crm.models import Member, MemberStatus, Role, Team, TeamMembership
from leads.models import OPEN_STATUSES, Call, Disposition, FollowUp, Intent, Lead, LeadStatus
from performance import access as performance_access

from ...metrics import metric_for
from ...models import ImprovementPlan, Level, Scorecard, Source
from ...periods import Period, Span, to_date, today_so_far
from .figures import (
    TODAY_SOURCES,
    ZERO,
    FigureRow,
    FigureSet,
    active_sources,
    cached,
    indicators,
    live_parts,
    live_set,
    stored_set,
    targets_of,
    values_by_scorecard,
)

TREND_WEEKS = 12
# Follow-up outcomes that show interest: what moves a lead to interested or won.
INTEREST = (Disposition.INTERESTED, Disposition.WON)
ACTIVE_TICKETS = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED)
# The leaderboard's columns, by indicator.
LEADER_COLUMNS = (
    (Source.SALES_AMOUNT, "sales"),
    (Source.ORDERS, "orders"),
    (Source.CALLS, "calls"),
    (Source.TALK_TIME, "talk_minutes"),
    (Source.FOLLOWUPS, "followups"),
    (Source.CONVERSION, "conversion"),
    (Source.ONTIME_FOLLOWUP, "ontime_rate"),
)
_COUNTED = ("orders", "calls", "followups")


@dataclass(frozen=True)
class Window:
    """One member's time in a team: [start, end), end None while they are still in it."""

    user_id: int
    team_id: int
    start: dt.datetime
    end: dt.datetime | None


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
    figures: FigureSet | None = None  # where each cell comes from (and links to)
    links: dict = field(default_factory=dict)  # source -> the records (set by the view)
    url: str | None = None  # the agent's scorecard (set by the view)


@dataclass
class TeamDashboard:
    team: Team
    period: Period
    today: FigureSet
    period_figures: FigureSet
    team_scorecard: Scorecard | None
    leaderboard: list[AgentRow]
    funnel: dict[str, int]
    satisfaction: list[dict]
    overdue: dict[str, int]
    sales_by_day: list[tuple[dt.date, Decimal | None]]
    sales_target: Decimal | None
    agent_count: int = 0
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def figures(self) -> list[FigureRow]:
        return self.period_figures.rows

    @property
    def from_scorecard(self) -> bool:
        return not self.period_figures.live


def team_windows(team_ids, start: dt.datetime, end: dt.datetime) -> list[Window]:
    """The memberships of `team_ids` overlapping [start, end): one query."""
    rows = (
        TeamMembership.objects.overlapping(start, end)
        .filter(team_id__in=list(team_ids))
        .values_list("member__user_id", "team_id", "started_at", "ended_at")
    )
    return [Window(*row) for row in rows]


def _users_in(windows, span: Span) -> list[int]:
    start, end = span.bounds
    return sorted(
        {w.user_id for w in windows if w.start < end and (w.end is None or w.end > start)}
    )


def team_dashboard(user, *, team: Team, period: Period, now: dt.datetime | None = None):
    """The manager's morning review of `team` (a team `user` sees) for `period`."""
    now = now or timezone.now()
    today = today_so_far(now)
    span = to_date(period, now)
    trend_start = today.start - dt.timedelta(days=today.start.weekday() + 7 * (TREND_WEEKS - 1))
    start, end = period.bounds
    windows = team_windows([team.pk], min(start, today.start, trend_start), max(end, now))
    members = {
        m.user_id: m
        for m in Member.objects.filter(user_id__in={w.user_id for w in windows}).select_related(
            "user"
        )
    }
    agent_ids = sorted(uid for uid, m in members.items() if m.role == Role.AGENT)
    by_source = indicators()

    today_parts = live_parts(
        TODAY_SOURCES, today, agent_ids=_users_in(windows, today), teams=[team.pk]
    )
    today_set = live_set(
        Level.TEAM, team.pk, today, today_parts, by_source, sources=TODAY_SOURCES, computed_at=now
    )

    # This period: the scorecards (team and agents) when computed, else live to date.
    cards = list(
        performance_access.visible_scorecards(user)
        .filter(period_kind=period.kind, period_start=period.start)
        .filter(Q(level=Level.TEAM, team_id=team.pk) | Q(level=Level.AGENT, agent_id__in=agent_ids))
    )
    values = values_by_scorecard([c.pk for c in cards])
    team_card = next((c for c in cards if c.level == Level.TEAM), None)
    agent_cards = {c.agent_id: c for c in cards if c.level == Level.AGENT}
    agent_sets: dict[int, FigureSet] = {}
    if team_card is not None and values.get(team_card.pk):
        described: dict = {}
        period_set = stored_set(team_card, values[team_card.pk], span, described=described)
        # An agent without a scorecard (hired or gone since the last recompute) shows no
        # figures until the next one.
        for uid, card in agent_cards.items():
            agent_sets[uid] = stored_set(card, values.get(card.pk, []), span, described=described)
    else:
        sources = active_sources(by_source)
        computed_at, parts = cached(
            f"live:{team.pk}:{period.kind}:{period.start}",
            lambda: (
                now,
                live_parts(
                    sources,
                    span,
                    agent_ids=_users_in(windows, span),
                    agents=agent_ids,
                    teams=[team.pk],
                ),
            ),
        )
        span = Span(span.start, min(span.end, computed_at))
        period_set = live_set(
            Level.TEAM,
            team.pk,
            span,
            parts,
            by_source,
            sources=sources,
            targets=targets_of(user, Level.TEAM, [team.pk], period),
            computed_at=computed_at,
        )
        for uid in agent_ids:
            agent_sets[uid] = live_set(
                Level.AGENT, uid, span, parts, by_source, sources=sources, computed_at=computed_at
            )
    sales_row = period_set.get(Source.SALES_AMOUNT)

    return TeamDashboard(
        team=team,
        period=period,
        today=today_set,
        period_figures=period_set,
        team_scorecard=team_card,
        leaderboard=_leaderboard(agent_ids, members, agent_sets),
        funnel=cached(
            f"funnel:{team.pk}:{period.kind}:{period.start}",
            lambda: _funnel(team.pk, windows, span),
        ),
        satisfaction=cached(
            f"satisfaction:{team.pk}:{today.start.date()}",
            lambda: _satisfaction_trend(team.pk, windows, Span(trend_start, now)),
        ),
        overdue=_overdue(team, members, now=now, today=today.start.date()),
        sales_by_day=cached(
            f"sales-by-day:{team.pk}:{period.kind}:{period.start}",
            lambda: _sales_by_day(team.pk, windows, period, now),
        ),
        sales_target=sales_row.target if sales_row else None,
        agent_count=len(agent_ids),
        now=now,
    )


def _leaderboard(agent_ids, members, agent_sets: dict[int, FigureSet]) -> list[AgentRow]:
    rows = []
    for uid in agent_ids:
        figures = agent_sets.get(uid)
        row = AgentRow(user_id=uid, name=user_name(members[uid].user), figures=figures)
        if figures is not None:
            card = figures.scorecard
            if card is not None:
                row.total, row.rank, row.rank_of = card.total, card.rank, card.rank_of
                row.scorecard_id = card.pk
            for source, attr in LEADER_COLUMNS:
                figure = figures.get(source)
                if figure is not None and figure.value is not None:
                    setattr(row, attr, int(figure.value) if attr in _COUNTED else figure.value)
        rows.append(row)
    if any(r.total is not None for r in rows):
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, -(r.total or 0), r.name))
    else:
        # No scorecards yet: ranked by sales, then orders, then calls (best first).
        rows.sort(key=lambda r: (-r.sales, -r.orders, -r.calls, r.name))
        for position, row in enumerate(rows, start=1):
            row.rank, row.rank_of = position, len(rows)
    return rows


def _funnel(team_id: int, windows, span: Span) -> dict[str, int]:
    """The leads behind the team's conversion figure (assigned in the period to an agent
    then in the team) and how far they got (one query). Each stage contains the next:

    * assigned: the conversion's denominator;
    * contacted: a follow-up or a call on it by the team's agents in the period, or further;
    * interested: an interested or won follow-up of theirs, intent medium or high, or won;
    * won: the conversion's numerator.

    Set-based: each stage is a hashed `id IN (...)` over the team's agents' follow-ups and
    calls of the period, read along the covering (agent, time) indexes, never a probe per
    lead.
    """
    metric = metric_for(Source.CONVERSION)
    users = _users_in(windows, span)
    start, end = span.bounds
    followed = FollowUp.objects.filter(agent__in=users, created_at__gte=start, created_at__lt=end)
    called = Call.objects.filter(
        agent__in=users, started_at__gte=start, started_at__lt=end, lead__isnull=False
    )
    leads = metric.drilldown(span, team_id=team_id).using(replica_alias()).filter(owner__in=users)
    won = Q(status=LeadStatus.WON)
    interested = (
        won
        | Q(status=LeadStatus.INTERESTED)
        | Q(intent__in=(Intent.MEDIUM, Intent.HIGH))
        | Q(pk__in=followed.filter(disposition__in=INTEREST).values("lead_id"))
    )
    contacted = (
        interested | Q(pk__in=followed.values("lead_id")) | Q(pk__in=called.values("lead_id"))
    )
    return leads.order_by().aggregate(
        assigned=Count("*"),
        contacted=Count("pk", filter=contacted),
        interested=Count("pk", filter=interested),
        ordered=Count("pk", filter=won),
    )


def week_starts(end_day: dt.date, weeks: int = TREND_WEEKS) -> list[dt.date]:
    monday = end_day - dt.timedelta(days=end_day.weekday())
    return [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _by_day(source: str, team_id: int, windows, span: Span, value: str):
    """The team's records of one indicator over `span` per local day: what its drill-down
    lists, grouped (one query)."""
    metric = metric_for(source)
    zone = timezone.get_current_timezone()
    return (
        metric.drilldown(span, team_id=team_id)
        .using(replica_alias())
        .filter(**{f"{metric.agent}__in": _users_in(windows, span)})
        .annotate(local_day=TruncDate(metric.time, tzinfo=zone))
        .order_by()
        .values("local_day")
        .annotate(total=Sum(value), n=Count("pk"))
    )


def _satisfaction_trend(team_id: int, windows, span: Span) -> list[dict]:
    """Average revisit satisfaction per week (Monday first): the revisit-score indicator's
    records of the team, the last 12 weeks (one query)."""
    daily = _by_day(Source.REVISIT_SCORE, team_id, windows, span, "satisfaction")
    zone = timezone.get_current_timezone()
    end_day = (span.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    weeks = week_starts(end_day)
    totals = {week: [0, 0] for week in weeks}
    for row in daily:
        week = row["local_day"] - dt.timedelta(days=row["local_day"].weekday())
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
    # Of the open leads with a follow-up time, those past it: one pass over the owners'
    # entries of `lead_owner_open_due` (in table order), not a range of `lead_worklist`
    # per owner and status whose entries jump across the table.
    due = (
        Lead.objects.using(replica_alias())
        .filter(owner_id__in=current, status__in=OPEN_STATUSES, next_followup_at__isnull=False)
        .aggregate(overdue=Count("next_followup_at", filter=Q(next_followup_at__lt=now)))
    )
    return {
        "followups": due["overdue"],
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


def _sales_by_day(team_id: int, windows, period: Period, now: dt.datetime):
    """Net sales per day of the period: the sales indicator's records of the team (one
    query). Every day is listed; days after today have no number (the line stops)."""
    span = to_date(period, now)
    amounts = {
        row["local_day"]: row["total"] or ZERO
        for row in _by_day(Source.SALES_AMOUNT, team_id, windows, span, "amount")
    }
    last = timezone.localdate(now)
    days = [period.start + dt.timedelta(days=n) for n in range(period.days)]
    return [(day, amounts.get(day, ZERO) if day <= last else None) for day in days]

"""The agent's own page: today, this period (their scorecard or live to date), their rank
and their last periods. Every figure is `performance.metrics` for the agent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm.db_router import replica_alias
from performance import access as performance_access

from ...metrics import metric_for
from ...models import Level, Scorecard, Source
from ...periods import Period, Span, to_date, today_so_far
from .figures import (
    TODAY_SOURCES,
    ZERO,
    FigureRow,
    FigureSet,
    active_sources,
    indicators,
    live_parts,
    live_set,
    stored_set,
    targets_of,
    values_by_scorecard,
)

TREND_PERIODS = 6


@dataclass
class AgentDashboard:
    user_id: int
    period: Period
    today: FigureSet
    period_figures: FigureSet
    scorecard: Scorecard | None
    rank: int | None
    rank_of: int | None
    trend: list[dict] = field(default_factory=list)

    @property
    def figures(self) -> list[FigureRow]:
        return self.period_figures.rows

    @property
    def from_scorecard(self) -> bool:
        return not self.period_figures.live


def agent_dashboard(user, *, period: Period, now: dt.datetime | None = None) -> AgentDashboard:
    """The signed-in agent's own figures: today, this period, rank and the last periods."""
    now = now or timezone.now()
    today = today_so_far(now)
    span = to_date(period, now)
    by_source = indicators()
    me = [user.pk]
    today_set = live_set(
        Level.AGENT,
        user.pk,
        today,
        live_parts(TODAY_SOURCES, today, agent_ids=me, agents=me),
        by_source,
        sources=TODAY_SOURCES,
        computed_at=now,
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
    values = values_by_scorecard([c.pk for c in cards.values()])
    card = cards.get(period.start)
    if card is not None and values.get(card.pk):
        period_set = stored_set(card, values[card.pk], span)
    else:
        sources = active_sources(by_source)
        period_set = live_set(
            Level.AGENT,
            user.pk,
            span,
            live_parts(sources, span, agent_ids=me, agents=me),
            by_source,
            sources=sources,
            targets=targets_of(user, Level.AGENT, me, period),
            computed_at=now,
        )

    # The trend: each period's total (scorecards) and net sales (the sales indicator's
    # records of the agent, per day: one query).
    metric = metric_for(Source.SALES_AMOUNT)
    zone = timezone.get_current_timezone()
    daily = dict(
        metric.drilldown(Span(periods[0].bounds[0], span.end), agent_id=user.pk)
        .using(replica_alias())
        .annotate(local_day=TruncDate(metric.time, tzinfo=zone))
        .order_by()
        .values("local_day")
        .annotate(amount=Sum("amount"))
        .values_list("local_day", "amount")
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
        today=today_set,
        period_figures=period_set,
        scorecard=card,
        rank=card.rank if card else None,
        rank_of=card.rank_of if card else None,
        trend=trend,
    )

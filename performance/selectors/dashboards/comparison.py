"""The head's comparison of teams, and a department's own figures.

Each team's column is its scorecard of the period when computed, else `performance.metrics`
live over the period to date (one pass for all the teams shown, cached): the same numbers
as the team's dashboard and its drill-downs. Headcount and attrition are not indicators:
they count members.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from crm import access
from crm.db_router import replica_alias
from crm.models import Department, Member, MemberStatus, Role, Team
from performance import access as performance_access

from ...models import Level, Source
from ...periods import Period, Span, to_date
from .figures import (
    ZERO,
    FigureSet,
    active_sources,
    agents_in,
    cached,
    indicators,
    live_parts,
    live_set,
    stored_set,
    subject_q,
    targets_of,
    values_by_scorecard,
)

HUNDRED = Decimal("100")
# Past this many agents a pass over everyone beats a long IN list.
NARROW_AGENTS = 1000
COLUMNS = (
    (Source.SALES_AMOUNT, "sales"),
    (Source.CALLS, "calls"),
    (Source.CONVERSION, "conversion"),
    (Source.REVISIT_SCORE, "satisfaction"),
    (Source.COMPLAINTS, "complaints"),
)


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
    scorecard_id: int | None = None
    figures: FigureSet | None = None
    links: dict = field(default_factory=dict)  # source -> the records (set by the view)
    url: str | None = None  # the team's dashboard (set by the view)

    @property
    def from_scorecard(self) -> bool:
        return self.figures is not None and not self.figures.live

    @property
    def calls_per_agent(self) -> Decimal | None:
        if not self.agents:
            return None
        return (Decimal(self.calls) / self.agents).quantize(Decimal("0.1"))


def team_comparison(
    user, *, period: Period, teams=None, today: dt.date | None = None, now=None
) -> list[TeamColumn]:
    """The teams `user` sees (or `teams`, a queryset of them) side by side for `period`."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    teams = list(
        (teams if teams is not None else access.visible_teams(user))
        .filter(is_active=True)
        .select_related("department", "manager")
        .order_by("department__path", "name")
    )
    if not teams:
        return []
    team_ids = [t.pk for t in teams]
    columns = {t.pk: TeamColumn(team=t) for t in teams}
    _headcount(columns, today)

    span = to_date(period, now)
    cards = {
        c.team_id: c
        for c in performance_access.visible_scorecards(user).filter(
            level=Level.TEAM,
            team_id__in=team_ids,
            period_kind=period.kind,
            period_start=period.start,
        )
    }
    values = values_by_scorecard([c.pk for c in cards.values()])
    described: dict = {}
    for team_id, card in cards.items():
        if values.get(card.pk):
            column = columns[team_id]
            column.figures = stored_set(card, values[card.pk], span, described=described)
            column.total, column.scorecard_id = card.total, card.pk

    live_ids = [t for t in team_ids if columns[t].figures is None]
    if live_ids:
        by_source = indicators()
        sources = active_sources(by_source)
        digest = hashlib.sha256(",".join(map(str, live_ids)).encode()).hexdigest()

        def compute():
            agents = agents_in(live_ids, *span.bounds)
            narrow = agents if len(agents) <= NARROW_AGENTS else None
            return now, live_parts(sources, span, agent_ids=narrow, teams=live_ids)

        computed_at, parts = cached(f"teams:{period.kind}:{period.start}:{digest}", compute)
        live_span = Span(span.start, min(span.end, computed_at))
        targets = targets_of(user, Level.TEAM, live_ids, period)
        for team_id in live_ids:
            columns[team_id].figures = live_set(
                Level.TEAM,
                team_id,
                live_span,
                parts,
                by_source,
                sources=sources,
                targets=targets,
                computed_at=computed_at,
            )
    for column in columns.values():
        _fill(column)

    # Ranked among the teams compared (a scorecard's own rank is among its department's).
    ordered = list(columns.values())
    if any(c.total is not None for c in ordered):
        key = lambda c: (c.total is None, -(c.total or 0), -c.sales)  # noqa: E731
    else:
        key = lambda c: (-(c.achievement or 0), -c.sales)  # noqa: E731
    for position, column in enumerate(sorted(ordered, key=key), start=1):
        column.rank = position
    return ordered


def _fill(column: TeamColumn) -> None:
    figures = column.figures
    sales = figures.get(Source.SALES_AMOUNT)
    if sales is not None:
        column.sales = sales.value or ZERO
        column.sales_target = sales.target
        column.achievement = sales.achievement
    for source, attr in COLUMNS[1:]:
        figure = figures.get(source)
        if figure is not None and figure.value is not None:
            number = figure.value
            setattr(column, attr, int(number) if attr in ("calls", "complaints") else number)


def _headcount(columns: dict[int, TeamColumn], today: dt.date) -> None:
    """Agents and leavers this month, per team (one query)."""
    first = today.replace(day=1)
    for row in (
        Member.objects.using(replica_alias())
        .filter(team_id__in=list(columns))
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


def department_figures(
    user, *, department: Department, period: Period, now: dt.datetime | None = None
) -> FigureSet:
    """A department's figures of `period` (its whole subtree): its scorecard when computed,
    else live to date."""
    now = now or timezone.now()
    span = to_date(period, now)
    card = (
        performance_access.visible_scorecards(user)
        .filter(subject_q(Level.DEPARTMENT, department.pk))
        .filter(period_kind=period.kind, period_start=period.start)
        .first()
    )
    values = values_by_scorecard([card.pk] if card else [])
    if card is not None and values.get(card.pk):
        return stored_set(card, values[card.pk], span)
    by_source = indicators()
    sources = active_sources(by_source)
    team_ids = list(
        Team.objects.filter(department__path__startswith=department.path).values_list(
            "pk", flat=True
        )
    )

    def compute():
        agents = agents_in(team_ids, *span.bounds)
        narrow = agents if len(agents) <= NARROW_AGENTS else None
        groups = dict.fromkeys(team_ids, department.pk)
        return now, live_parts(sources, span, agent_ids=narrow, team_groups=groups)

    computed_at, parts = cached(f"department:{department.pk}:{period.kind}:{period.start}", compute)
    return live_set(
        Level.DEPARTMENT,
        department.pk,
        Span(span.start, min(span.end, computed_at)),
        parts,
        by_source,
        sources=sources,
        targets=targets_of(user, Level.DEPARTMENT, [department.pk], period),
        computed_at=computed_at,
    )

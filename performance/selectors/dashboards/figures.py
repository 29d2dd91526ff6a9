"""The figures a dashboard shows: `performance.metrics` over a span, or a stored scorecard.

A `FigureSet` is one subject's (an agent, a team or a department) figures over one span:

* live — computed now by `performance.metrics` over the span (today so far, a period to
  date), with the same grouped statement the scorecard recompute runs, narrowed to the
  agents who were in the subject's teams during the span (`agent_ids`);
* stored — the `ScorecardValue`s of the subject's scorecard of the period, computed at
  `Scorecard.computed_at`.

Either way a value is `Metric.figure()` and an achievement `achievement_of()`: a dashboard,
a scorecard and a drill-down cannot disagree. Nothing here computes an indicator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from crm.models import TeamMembership
from performance import access as performance_access

from ...metrics import achievement_of, aggregate_all, metric_for, sum_rows
from ...models import Indicator, Level, Scorecard, ScorecardValue, Source, Unit
from ...periods import Period, Span

ZERO = Decimal("0")
# The periods a board may be asked for (the trend reads six periods back).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
# Today's tiles: the additive indicators a manager follows through the day.
TODAY_SOURCES = (
    Source.CALLS,
    Source.TALK_TIME,
    Source.FOLLOWUPS,
    Source.ORDERS,
    Source.SALES_AMOUNT,
    Source.CASH_COLLECTED,
    Source.COMPLAINTS,
)
_UNITS = {
    Source.SALES_AMOUNT: Unit.MONEY,
    Source.CASH_COLLECTED: Unit.MONEY,
    Source.CONVERSION: Unit.PERCENT,
    Source.ONTIME_FOLLOWUP: Unit.PERCENT,
    Source.CONTACTED_24H: Unit.PERCENT,
    Source.TALK_TIME: Unit.MINUTES,
}


@dataclass
class FigureRow:
    """One indicator of one subject over one span: value (and its parts) against target."""

    source: str
    name: str
    unit: str
    value: Decimal | None
    target: Decimal | None = None
    achievement: Decimal | None = None
    indicator_id: int | None = None
    code: str = ""  # the indicator's code, for the scorecard's drill-down
    higher_is_better: bool = True
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    counts_records: bool = False  # the value is the number of records behind it
    url: str | None = None  # the records behind the figure (set by the view)
    live: bool = True  # computed now (else read from a scorecard) …
    computed_at: dt.datetime | None = None  # … at this time


@dataclass
class FigureSet:
    """One subject's figures over one span, live or from a scorecard."""

    level: str
    subject_id: int
    span: Span
    live: bool
    computed_at: dt.datetime
    rows: list[FigureRow] = field(default_factory=list)
    scorecard: Scorecard | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            row.live, row.computed_at = self.live, self.computed_at

    def get(self, source: str) -> FigureRow | None:
        return next((row for row in self.rows if row.source == source), None)

    def number(self, source: str) -> Decimal:
        row = self.get(source)
        return row.value if row is not None and row.value is not None else ZERO

    # Today's tiles by name (templates, the API and tests read them so).
    @property
    def calls(self) -> int:
        return int(self.number(Source.CALLS))

    @property
    def talk_minutes(self) -> Decimal:
        return self.number(Source.TALK_TIME).quantize(Decimal("0.1"))

    @property
    def followups(self) -> int:
        return int(self.number(Source.FOLLOWUPS))

    @property
    def orders(self) -> int:
        return int(self.number(Source.ORDERS))

    @property
    def sales(self) -> Decimal:
        return self.number(Source.SALES_AMOUNT)

    @property
    def cash(self) -> Decimal:
        return self.number(Source.CASH_COLLECTED)

    @property
    def complaints(self) -> int:
        return int(self.number(Source.COMPLAINTS))


# --- helpers ------------------------------------------------------------------------------


def cache_seconds() -> int:
    """How long a board's period-wide figures are reused (0: computed on every view)."""
    return int(getattr(settings, "PERFORMANCE_DASHBOARD_CACHE_SECONDS", 60))


def cached(key: str, compute):
    """`compute()` once per `cache_seconds()` for a subject-level figure (not per viewer:
    the view checked the viewer may see the subject before asking)."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    key = f"performance:dashboard:{key}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def indicators() -> dict[str, Indicator]:
    """Every indicator by source, active first (one query)."""
    found: dict[str, Indicator] = {}
    for indicator in Indicator.objects.order_by("-is_active", "position", "id"):
        found.setdefault(indicator.source, indicator)
    return found


def active_sources(by_source: dict[str, Indicator]) -> list[str]:
    rows = [i for i in by_source.values() if i.is_active]
    return [i.source for i in sorted(rows, key=lambda i: (i.position, i.pk))]


def agents_in(team_ids, start: dt.datetime, end: dt.datetime) -> list[int]:
    """Users who were in one of `team_ids` at some time in [start, end) (one query)."""
    return sorted(
        set(
            TeamMembership.objects.overlapping(start, end)
            .filter(team_id__in=list(team_ids))
            .values_list("member__user_id", flat=True)
        )
    )


def targets_of(user, level: str, subject_ids, period: Period) -> dict[tuple[int, str], Decimal]:
    """{(subject id, source): target} of `period` that `user` sees (one query)."""
    field_name = {Level.AGENT: "agent_id", Level.TEAM: "team_id"}.get(level, "department_id")
    rows = (
        performance_access.visible_targets(user)
        .filter(
            level=level,
            period_kind=period.kind,
            period_start=period.start,
            **{f"{field_name}__in": list(subject_ids)},
        )
        .values_list(field_name, "indicator__source", "value")
    )
    return {(subject, source): value for subject, source, value in rows}


def row_of(
    source: str,
    by_source: dict[str, Indicator],
    parts: tuple[Decimal, Decimal] | None,
    target: Decimal | None = None,
) -> FigureRow:
    """A live figure from its numerator and denominator (`performance.metrics`)."""
    metric = metric_for(source)
    indicator = by_source.get(source)
    numerator, denominator = parts if parts else (ZERO, ZERO)
    if metric.denominator is None:
        denominator = None
    value = metric.figure(numerator, denominator)
    higher = indicator.higher_is_better if indicator else source != Source.COMPLAINTS
    return FigureRow(
        source=source,
        name=indicator.label if indicator else str(Source(source).label),
        unit=indicator.unit if indicator else _UNITS.get(source, Unit.COUNT),
        value=value,
        target=target,
        achievement=achievement_of(value, target, higher_is_better=higher),
        indicator_id=indicator.pk if indicator else None,
        code=indicator.code if indicator else "",
        higher_is_better=higher,
        numerator=numerator,
        denominator=denominator,
        counts_records=metric.counts_records,
    )


def stored_rows(values: list[ScorecardValue], *, described: dict | None = None) -> list[FigureRow]:
    """The figures of a scorecard's values. `described` ({indicator id: what a row says of
    its indicator}) may be shared between calls: a comparison page reads thousands of values
    of a dozen indicators, and translating a name costs more than the row itself."""
    described = {} if described is None else described
    rows = []
    for v in values:
        about = described.get(v.indicator_id)
        if about is None:
            indicator = v.indicator
            about = described[v.indicator_id] = {
                "source": indicator.source,
                "name": indicator.label,
                "unit": indicator.unit,
                "code": indicator.code,
                "higher_is_better": indicator.higher_is_better,
                "counts_records": metric_for(indicator.source).counts_records,
            }
        rows.append(
            FigureRow(
                value=v.value,
                target=v.target,
                achievement=v.achievement,
                indicator_id=v.indicator_id,
                numerator=v.numerator,
                denominator=v.denominator,
                **about,
            )
        )
    return rows


def values_by_scorecard(scorecard_ids) -> dict[int, list[ScorecardValue]]:
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


# --- live figures -------------------------------------------------------------------------


def live_parts(
    sources, span: Span, *, agent_ids, agents=(), teams=(), team_groups=None
) -> dict[str, dict[str, dict[int, list[Decimal]]]]:
    """Numerators and denominators over `span` in one pass of `performance.metrics`:
    {"agents" | "teams" | "groups": {source: {subject id: [numerator, denominator]}}}.

    `agents`: whose own figures (every team they were in); `teams`: the teams' figures
    (records made while in the team); `team_groups`: {team id: group id} to sum teams into
    departments. `agent_ids` narrows the statements (None: everyone).
    """
    agents, teams = set(agents), set(teams)
    by_team = bool(teams or team_groups)
    rows = aggregate_all(list(sources), span, agent_ids=agent_ids, by_team=by_team)
    result: dict[str, dict] = {"agents": {}, "teams": {}, "groups": {}}
    for source in dict.fromkeys(sources):
        if agents:
            result["agents"][source] = sum_rows(
                rows[source], lambda a, _t: a if a in agents else None
            )
        if teams:
            result["teams"][source] = sum_rows(
                rows[source], lambda _a, t: t if t in teams else None
            )
        if team_groups:
            result["groups"][source] = sum_rows(
                rows[source], lambda _a, t: team_groups.get(t) if t is not None else None
            )
    return result


def live_set(
    level: str,
    subject_id: int,
    span: Span,
    parts: dict,
    by_source: dict[str, Indicator],
    *,
    sources,
    targets: dict | None = None,
    computed_at: dt.datetime,
) -> FigureSet:
    key = {Level.AGENT: "agents", Level.TEAM: "teams"}.get(level, "groups")
    rows = [
        row_of(
            source,
            by_source,
            parts[key].get(source, {}).get(subject_id),
            (targets or {}).get((subject_id, source)),
        )
        for source in sources
    ]
    return FigureSet(level, subject_id, span, True, computed_at, rows)


def stored_set(
    card: Scorecard, values: list[ScorecardValue], span: Span, *, described: dict | None = None
) -> FigureSet:
    subject = {Level.AGENT: card.agent_id, Level.TEAM: card.team_id}.get(
        card.level, card.department_id
    )
    rows = stored_rows(values, described=described)
    return FigureSet(card.level, subject, span, False, card.computed_at, rows, card)


def subject_q(level: str, subject_id: int) -> Q:
    field_name = {Level.AGENT: "agent_id", Level.TEAM: "team_id"}.get(level, "department_id")
    return Q(level=level, **{field_name: subject_id})

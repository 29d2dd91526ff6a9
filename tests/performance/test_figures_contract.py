"""One definition per figure (issue 15): the dashboards, the scorecards and the drill-downs
agree on every indicator at every level.

The hand-built March of `scorecard_data` (agent_a2 moves from team A to team B on 16
March, an order refunded, complaint tickets), plus an order confirmed then cancelled (c1)
and a revisit recorded with a complaint (b1, which opens a complaint ticket). For every
indicator and every subject — agents a1 a2 b1 c1, teams A B C, departments east, south and
the center —

* the dashboard's live figure for March equals the scorecard's value after a recompute,
  and the dashboard then shows that stored value;
* the figure equals what the records of its drill-down add up to (the live drill-down of
  the span and the scorecard's drill-down), and a count lists exactly that many records;
* for every additive indicator, today ≤ week to date ≤ month to date ≤ quarter to date.

Runs on PostgreSQL and on SQLite (the test settings fall back to SQLite without a server).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from aftersales.services.revisits import revisit_record
from orders.models import Order, Payment, SalesEntry
from performance.metrics import METRICS, metric_for
from performance.models import Indicator, Level, PeriodKind, Scorecard, Source
from performance.periods import Period, Span, period_containing, to_date, today_so_far
from performance.selectors import dashboards
from performance.selectors import scorecards as scorecard_selectors
from performance.selectors.dashboards.records import figure_records, subject_of
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators
from tests.performance.scorecard_data import MARCH, at, build_march

AFTER = at(4, 2, 12)  # March is over: its figures are the whole month's
AGENTS = ("agent_a1", "agent_a2", "agent_b1", "agent_c1")
TEAMS = ("team_a", "team_b", "team_c")
DEPARTMENTS = ("east", "south", "center")
SUBJECTS = [(Level.AGENT, name) for name in AGENTS]
SUBJECTS += [(Level.TEAM, name) for name in TEAMS]
SUBJECTS += [(Level.DEPARTMENT, name) for name in DEPARTMENTS]
SOURCES = list(Source.values)


@pytest.fixture
def march(org):
    default_indicators()
    data = build_march(org)
    # An order of c1 (team C) confirmed on 6 March and cancelled the next day.
    order = Order.objects.create(
        number="SO-O5",
        lead=data["L7"],
        agent=org.agent_c1.user,
        team=org.team_c,
        status="cancelled",
        list_total=Decimal("300"),
        total=Decimal("300"),
    )
    for kind, amount, when in (
        ("confirmed", "300", at(3, 6, 10)),
        ("cancelled", "-300", at(3, 7, 10)),
    ):
        SalesEntry.objects.create(
            order=order,
            kind=kind,
            agent=org.agent_c1.user,
            team=org.team_c,
            day=when.date(),
            amount=Decimal(amount),
            at=when,
        )
    # Money received (cash collected): a2 in team A (10 March) and in team B (20 March),
    # a refund of a1's, and c1 before March (not counted).
    for order_key, agent, amount, kind, when in (
        ("O3", org.agent_a2, "300", "payment", at(3, 10, 0)),
        ("O3", org.agent_a2, "200", "payment", at(3, 20, 0)),
        ("O1", org.agent_a1, "1000", "payment", at(3, 5, 0)),
        ("O1", org.agent_a1, "-250", "refund", at(3, 25, 0)),
        ("O4", org.agent_b1, "200", "payment", at(2, 27, 0)),
    ):
        Payment.objects.create(
            order=data[order_key],
            kind=kind,
            amount=Decimal(amount),
            paid_on=when.date(),
            paid_at=when,
            agent=agent.user,
        )
    # b1's scheduled revisit is recorded with a complaint: it opens a complaint ticket.
    revisit_record(
        revisit=data["R4"], by=None, reached=True, satisfaction=2, complaint=True, at=at(3, 26, 10)
    )
    return data


def _subject(org, level: str, name: str):
    member_or_unit = getattr(org, name)
    if level == Level.AGENT:
        return member_or_unit.user
    return member_or_unit


def dashboard_figures(org, level: str, name: str, period: Period, now: dt.datetime):
    """The subject's figures of `period` as its dashboard shows them (as the admin)."""
    subject = _subject(org, level, name)
    if level == Level.AGENT:
        return dashboards.agent_dashboard(subject, period=period, now=now).period_figures
    if level == Level.TEAM:
        board = dashboards.team_dashboard(org.admin.user, team=subject, period=period, now=now)
        return board.period_figures
    return dashboards.department_figures(org.admin.user, department=subject, period=period, now=now)


def drilldown_value(org, level, name, source, span):
    """What the live drill-down's records add up to, and how many there are."""
    subject_id = _subject(org, level, name).pk
    subject = subject_of(org.admin.user, level, subject_id, span)
    assert subject is not None
    metric = metric_for(source)
    rows = figure_records(metric, subject, span)
    numerator, denominator = metric.add_up(rows)
    return metric.figure(numerator, denominator), rows.count()


def scorecard_of(org, level, name) -> Scorecard | None:
    subject = _subject(org, level, name)
    field = {Level.AGENT: "agent", Level.TEAM: "team"}.get(level, "department")
    return (
        Scorecard.objects.filter(
            level=level, period_kind=MARCH.kind, period_start=MARCH.start, **{field: subject}
        )
        .prefetch_related("values__indicator")
        .first()
    )


def _stored_value(card, source):
    if card is None:
        return None
    return next((v for v in card.values.all() if v.indicator.source == source), None)


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings):
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0


def test_every_figure_agrees_everywhere(org, march):
    """Dashboard (live) = drill-down = scorecard = dashboard (stored), for every indicator,
    every subject; a count's drill-down lists exactly that many records."""
    span = to_date(MARCH, AFTER)
    live = {key: dashboard_figures(org, *key, MARCH, AFTER) for key in SUBJECTS}
    for figures in live.values():
        assert figures.live
        assert [row.source for row in figures.rows] == SOURCES
    recompute_scorecards(period=MARCH)
    mismatches = []
    for level, name in SUBJECTS:
        stored_set = dashboard_figures(org, level, name, MARCH, AFTER)
        card = scorecard_of(org, level, name)
        for source in SOURCES:
            shown = live[(level, name)].get(source).value
            stored = _stored_value(card, source)
            stored_number = stored.value if stored is not None else None
            drilled, count = drilldown_value(org, level, name, source, span)
            on_board = stored_set.get(source).value if stored_set.get(source) else None
            numbers = {"live": shown, "drill-down": drilled}
            if card is not None:
                assert not stored_set.live
                numbers.update(scorecard=stored_number, stored=on_board)
                # The scorecard's own drill-down adds up to its value as well.
                indicator = Indicator.objects.get(source=source)
                metric = metric_for(source)
                records = scorecard_selectors.drilldown_records(card, indicator)
                numbers["scorecard drill-down"] = metric.figure(*metric.add_up(records))
            if len(set(numbers.values())) != 1:
                mismatches.append((level, name, source, numbers))
            if METRICS[source].counts_records and shown != count:
                mismatches.append((level, name, source, {"value": shown, "records": count}))
    assert not mismatches, mismatches


def test_the_hand_built_month_is_what_it_says(org, march):
    """A few figures written down: the moved agent, the cancellation, the complaint revisit."""
    team_a = dashboard_figures(org, Level.TEAM, "team_a", MARCH, AFTER)
    team_b = dashboard_figures(org, Level.TEAM, "team_b", MARCH, AFTER)
    team_c = dashboard_figures(org, Level.TEAM, "team_c", MARCH, AFTER)
    b1 = dashboard_figures(org, Level.AGENT, "agent_b1", MARCH, AFTER)
    assert team_a.get(Source.CALLS).value == 3  # a2's C3 before the move counts for A
    assert team_b.get(Source.CALLS).value == 1  # a2's C4 after the move counts for B
    assert team_c.get(Source.ORDERS).value == 0  # confirmed, then cancelled
    assert team_c.get(Source.SALES_AMOUNT).value == 0
    assert b1.get(Source.COMPLAINTS).value == 1  # the complaint revisit's ticket
    assert b1.get(Source.REVISIT_SCORE).value == 2
    assert team_b.get(Source.COMPLAINTS).value == 2  # a2's T2 (after the move) and b1's


@pytest.mark.parametrize("level,name", SUBJECTS)
def test_today_week_month_quarter_to_date_only_grow(org, march, level, name):
    """For every additive indicator: today ≤ week ≤ month ≤ quarter to date, each its
    dashboard's figure and each its drill-down's sum."""
    now = at(3, 20, 18)  # a Friday: the week began on Monday the 16th
    subject = _subject(org, level, name)
    if level == Level.TEAM:
        today = dashboards.team_dashboard(org.admin.user, team=subject, period=MARCH, now=now).today
    elif level == Level.AGENT:
        today = dashboards.agent_dashboard(subject, period=MARCH, now=now).today
    else:
        today = None
    spans = {"today": today_so_far(now)}
    figures = {"today": today}
    for kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER):
        period = period_containing(kind, now.date())
        spans[kind] = to_date(period, now)
        figures[kind] = dashboard_figures(org, level, name, period, now)
    for source in SOURCES:
        if not METRICS[source].additive:
            continue
        values = []
        for key in ("today", PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER):
            drilled, _count = drilldown_value(org, level, name, source, spans[key])
            shown = figures[key].get(source) if figures[key] is not None else None
            if shown is not None:
                assert shown.value == drilled, (key, source)
            values.append(drilled)
        assert values == sorted(values), (source, values)


def test_a_span_is_what_the_metrics_read(org, march):
    """Today so far ends now; a period to date ends now or at its end."""
    now = at(3, 20, 18)
    assert today_so_far(now) == Span(at(3, 20), now)
    assert to_date(MARCH, now) == Span(at(3, 1), now)
    assert to_date(MARCH, AFTER) == Span(*MARCH.bounds)


@pytest.mark.parametrize("name", TEAMS)
def test_the_funnel_is_the_conversion_figures_leads(org, march, name):
    """Beside the conversion figure, the funnel's assigned and won are its denominator and
    numerator: the same leads."""
    board = dashboards.team_dashboard(
        org.admin.user, team=getattr(org, name), period=MARCH, now=AFTER
    )
    conversion = board.period_figures.get(Source.CONVERSION)
    assert board.funnel["assigned"] == conversion.denominator
    assert board.funnel["ordered"] == conversion.numerator
    assert (
        board.funnel["assigned"]
        >= board.funnel["contacted"]
        >= board.funnel["interested"]
        >= board.funnel["ordered"]
    )


@pytest.mark.parametrize("by_team", [True, False])
def test_one_trip_statements_give_the_rows_of_the_separate_ones(org, march, monkeypatch, by_team):
    """The fast path (`UNION ALL` on PostgreSQL) against its reference (one statement per
    kind of record), for the today tiles and more, a few agents, by team and not."""
    from performance import metrics
    from performance.selectors.dashboards.figures import TODAY_SOURCES

    span = Span(*MARCH.bounds)
    agents = [getattr(org, name).user_id for name in AGENTS]
    sources = [*TODAY_SOURCES, Source.QUALITY_OVERALL, Source.REVISIT_SCORE, Source.CONVERSION]
    fast = metrics.aggregate_all(sources, span, agent_ids=agents, by_team=by_team)
    if connection.vendor == "postgresql":
        assert any(trip is not None for trip in metrics._OneTrip._kept.values())
    monkeypatch.setattr(metrics, "_one_trip_applies", lambda: False)
    reference = metrics.aggregate_all(sources, span, agent_ids=agents, by_team=by_team)
    assert {s: sorted(rows, key=str) for s, rows in fast.items()} == {
        s: sorted(rows, key=str) for s, rows in reference.items()
    }
    assert any(reference.values())


def test_the_one_trip_statement_is_kept_unless_a_definition_reads_the_clock():
    from performance import metrics
    from performance.selectors.dashboards.figures import TODAY_SOURCES

    def kinds(sources):
        groups: dict = {}
        for source in sources:
            groups.setdefault(METRICS[source].records_key, []).append(METRICS[source])
        return list(groups.values())

    assert metrics._OneTrip._build(kinds(TODAY_SOURCES), by_team=True, agent_count=3)
    # The on-time rate's follow-ups are those due by now: never frozen.
    assert metrics._OneTrip._build(kinds(SOURCES), by_team=False, agent_count=2) is None

"""The dashboards' figures against a small team worked by hand.

Friday 20 March 2026, 15:00 (Asia/Shanghai). Team A: agent_a1 and agent_a2 (and
manager_a); team B: agent_b1, whose records must never show on team A's board.

Follow-ups                          Calls
a1 L1  5 Mar 10:00                  a1 L1 19 Mar 10:00   60 s (yesterday)
a1 L3 19 Mar 16:00 interested        a1 L1 20 Mar 09:05  120 s
a1 L1 20 Mar 09:00                  a2 L5 20 Mar 14:00   60 s
a1 L2 20 Mar 10:00                  b1 L7 20 Mar 11:00  300 s (team B)
a2 L4 20 Mar 11:00
b1 L7 20 Mar 10:00 (team B)

Today: 3 follow-ups, 2 calls, 3.0 talk minutes.
Sales ledger: O1 a1 +1000 today; O2 a2 +500 10 Mar, refunded -500 today; O3 b1 +700 today.
Today: orders net of reversals 1 - 1 = 0, sales net 500. March: 1 order net (2 confirmed,
1 refunded), sales net 1000 (team B: 700). Figures are `performance.metrics`' (issue 15).

Leads assigned in March: a1 L1 (2 Mar, order), L2 (9 Mar, followed up), L3 (19 Mar,
followed up: interested), L6 (15 Mar, untouched); a2 L4 (5 Mar, order), L5 (17 Mar, a
call only); a1 L8 in February (not counted); b1 L7 (team B).
Funnel: 6 assigned, 5 contacted, 3 interested (L1 L3 L4), 2 orders (L1 L4).

Revisits done: a1 5 (18 Mar) and 3 (17 Mar, a complaint, which opened a complaint ticket
on L1, since resolved): week of 16 Mar averages 4.00;
a2 2 (10 Mar): week of 9 Mar 2.00; b1 1 (18 Mar, team B).
Overdue: L2's follow-up (due 12:00); a1's revisit due 19 Mar; team A's open ticket due
19 Mar; team A's improvement plan due 19 Mar. Team B has one of each, not counted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import RevisitStatus, TicketStatus, TicketType
from crm.models import TeamMembership
from leads.models import Intent, LeadStatus
from orders.models import OrderStatus, SalesEntry
from performance.models import (
    ImprovementPlan,
    Indicator,
    Level,
    PeriodKind,
    Scorecard,
    ScorecardValue,
    Source,
    Target,
)
from performance.periods import Period
from performance.selectors import dashboards
from tests.aftersales.factories import OrderFactory, RevisitFactory, TicketFactory
from tests.leads.factories import AssignmentFactory, CallFactory, FollowUpFactory, LeadFactory
from tests.performance.factories import default_indicators

MARCH = Period(PeriodKind.MONTH, dt.date(2026, 3, 1))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


NOW = at(3, 20, 15)


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings, db):
    """Every view computes its figures (one test below checks the cache on purpose); the
    built-in indicators are there even after a transactional test emptied the tables."""
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0
    default_indicators()


@pytest.fixture
def day(org):
    # Everyone has been in their team since last year.
    TeamMembership.objects.update(started_at=at(1, 1) - dt.timedelta(days=365))
    a1, a2, b1 = org.agent_a1.user, org.agent_a2.user, org.agent_b1.user

    def lead(name, owner, team, assigned, **fields):
        row = LeadFactory(name=name, owner=owner, team=team, assigned_at=assigned, **fields)
        AssignmentFactory(lead=row, at=assigned)
        return row

    leads = {
        "L1": lead("L1", a1, org.team_a, at(3, 2, 9), status=LeadStatus.WON),
        "L2": lead("L2", a1, org.team_a, at(3, 9, 10), next_followup_at=at(3, 20, 12)),
        "L3": lead(
            "L3", a1, org.team_a, at(3, 19, 9), intent=Intent.HIGH, next_followup_at=at(3, 21, 9)
        ),
        "L6": lead("L6", a1, org.team_a, at(3, 15, 9)),
        "L4": lead("L4", a2, org.team_a, at(3, 5, 8), status=LeadStatus.WON),
        "L5": lead("L5", a2, org.team_a, at(3, 17, 9), status=LeadStatus.CONTACTED),
        "L8": lead("L8", a1, org.team_a, at(2, 20, 9), status=LeadStatus.INTERESTED),
        "L7": lead("L7", b1, org.team_b, at(3, 3, 9), next_followup_at=at(3, 20, 8)),
    }
    for name, agent, when, *disposition in (
        ("L1", a1, at(3, 5, 10)),
        ("L3", a1, at(3, 19, 16), "interested"),
        ("L1", a1, at(3, 20, 9)),
        ("L2", a1, at(3, 20, 10)),
        ("L4", a2, at(3, 20, 11)),
        ("L7", b1, at(3, 20, 10)),
    ):
        FollowUpFactory(
            lead=leads[name],
            agent=agent,
            created_at=when,
            disposition=(disposition or ["reached"])[0],
        )
    for name, agent, when, seconds in (
        ("L1", a1, at(3, 19, 10), 60),
        ("L1", a1, at(3, 20, 9, 5), 120),
        ("L5", a2, at(3, 20, 14), 60),
        ("L7", b1, at(3, 20, 11), 300),
    ):
        CallFactory(lead=leads[name], agent=agent, started_at=when, duration_seconds=seconds)

    def order(name, agent, team, confirmed):
        return OrderFactory(
            lead=leads[name],
            agent=agent,
            team=team,
            status=OrderStatus.CONFIRMED,
            created_at=confirmed - dt.timedelta(hours=1),
            confirmed_at=confirmed,
        )

    o1 = order("L1", a1, org.team_a, at(3, 20, 9))
    o2 = order("L4", a2, org.team_a, at(3, 10, 9))
    o3 = order("L7", b1, org.team_b, at(3, 20, 11))
    confirmed, refunded = SalesEntry.Kind.CONFIRMED, SalesEntry.Kind.REFUNDED
    # The ledger's time (`at`) is what the sales indicators read; `day` is its local date.
    for entry_order, kind, agent, team, when, amount in (
        (o1, confirmed, a1, org.team_a, at(3, 20, 9), "1000"),
        (o2, confirmed, a2, org.team_a, at(3, 10, 9), "500"),
        (o2, refunded, a2, org.team_a, at(3, 20, 12), "-500"),
        (o3, confirmed, b1, org.team_b, at(3, 20, 11), "700"),
    ):
        SalesEntry.objects.create(
            order=entry_order,
            kind=kind,
            agent=agent,
            team=team,
            day=when.date(),
            at=when,
            amount=Decimal(amount),
        )

    done = RevisitStatus.DONE
    for entry_order, assignee, when, score, complaint in (
        (o1, a1, at(3, 18, 10), 5, False),
        (o1, a1, at(3, 17, 10), 3, True),
        (o2, a2, at(3, 10, 10), 2, False),
        (o3, b1, at(3, 18, 10), 1, False),
    ):
        RevisitFactory(
            order=entry_order,
            assignee=assignee,
            status=done,
            done_at=when,
            satisfaction=score,
            complaint=complaint,
            due_at=when,
        )
    RevisitFactory(order=o1, assignee=a1, due_at=at(3, 19, 9))  # overdue
    RevisitFactory(order=o1, assignee=a1, due_at=at(3, 25, 9))  # not yet
    RevisitFactory(order=o3, assignee=b1, due_at=at(3, 19, 9))  # team B
    opened = at(3, 1, 9)
    TicketFactory(lead=leads["L1"], team=org.team_a, opened_at=opened, due_at=at(3, 19, 9))
    TicketFactory(
        lead=leads["L2"],
        team=org.team_a,
        opened_at=opened,
        due_at=at(3, 18, 9),
        status=TicketStatus.RESOLVED,
        resolved_at=at(3, 17, 9),
        resolution="已解决",
    )
    TicketFactory(lead=leads["L7"], team=org.team_b, opened_at=opened, due_at=at(3, 19, 9))
    # What recording the complaint revisit opened (complaints count complaint tickets).
    TicketFactory(
        lead=leads["L1"],
        team=org.team_a,
        type=TicketType.COMPLAINT,
        opened_at=at(3, 17, 10),
        due_at=at(3, 18, 10),
        status=TicketStatus.RESOLVED,
        resolved_at=at(3, 17, 12),
        resolution="已解决",
    )
    for agent, team in ((a1, org.team_a), (b1, org.team_b)):
        ImprovementPlan.objects.create(
            agent=agent,
            team=team,
            reason="低分",
            goals="提高",
            starts_on=dt.date(2026, 3, 1),
            due_on=dt.date(2026, 3, 19),
        )
    return leads


def board_for(org, member=None, team=None):
    member = member or org.manager_a
    return dashboards.team_dashboard(member.user, team=team or org.team_a, period=MARCH, now=NOW)


def test_today_counts_the_teams_records_of_today_only(org, day):
    today = board_for(org).today
    assert today.followups == 3
    assert today.calls == 2
    assert today.talk_minutes == Decimal("3.0")
    # Net of reversals, like the month's figure: O1 confirmed, O2 refunded today.
    assert today.orders == 0
    assert today.sales == Decimal("500")
    assert today.complaints == 0
    assert today.live and today.span.start == at(3, 20) and today.span.end == NOW


def test_the_funnel_narrows_from_assigned_to_order(org, day):
    assert board_for(org).funnel == {"assigned": 6, "contacted": 5, "interested": 3, "ordered": 2}


def test_satisfaction_is_averaged_per_week_over_twelve_weeks(org, day):
    weeks = board_for(org).satisfaction
    assert len(weeks) == 12
    assert weeks[-1]["week"] == dt.date(2026, 3, 16)
    assert weeks[0]["week"] == dt.date(2025, 12, 29)
    assert (weeks[-1]["average"], weeks[-1]["revisits"]) == (Decimal("4.00"), 2)
    assert (weeks[-2]["average"], weeks[-2]["revisits"]) == (Decimal("2.00"), 1)
    assert all(week["average"] is None for week in weeks[:-2])


def test_overdue_work_of_the_team(org, day):
    assert board_for(org).overdue == {"followups": 1, "revisits": 1, "tickets": 1, "plans": 1}


def test_overdue_followups_are_the_open_leads_of_current_members_past_their_time(org, day):
    """Only open leads count, once their follow-up time has passed (the count reads the
    open-leads-with-a-time index, `lead_owner_open_due`): won, lost, not yet due, without
    a time, or another team's do not."""
    a1, a2 = org.agent_a1.user, org.agent_a2.user
    past = NOW - dt.timedelta(hours=3)
    LeadFactory(owner=a2, team=org.team_a, status=LeadStatus.INTERESTED, next_followup_at=past)
    LeadFactory(owner=a1, team=org.team_a, status=LeadStatus.WON, next_followup_at=past)
    LeadFactory(owner=a1, team=org.team_a, status=LeadStatus.LOST, next_followup_at=past)
    LeadFactory(owner=a1, team=org.team_a, next_followup_at=NOW + dt.timedelta(minutes=1))
    LeadFactory(owner=a1, team=org.team_a, next_followup_at=None)
    LeadFactory(owner=org.agent_b1.user, team=org.team_b, next_followup_at=past)
    assert board_for(org).overdue["followups"] == 2


def test_without_scorecards_the_period_is_live_sums_against_targets(org, day):
    sales = Indicator.objects.get(source=Source.SALES_AMOUNT)
    Target.objects.create(
        level=Level.TEAM,
        team=org.team_a,
        period_kind=MARCH.kind,
        period_start=MARCH.start,
        indicator=sales,
        value=Decimal("4000"),
    )
    board = board_for(org)
    assert not board.from_scorecard
    figures = {row.source: row for row in board.figures}
    assert figures[Source.SALES_AMOUNT].value == Decimal("1000")
    assert figures[Source.SALES_AMOUNT].target == Decimal("4000")
    assert figures[Source.SALES_AMOUNT].achievement == Decimal("25.00")
    # Net of reversals: O1 and O2 confirmed, O2 refunded.
    assert figures[Source.ORDERS].value == 1
    assert figures[Source.CALLS].value == 3
    assert figures[Source.FOLLOWUPS].value == 5
    # Leads won / leads assigned in March: L1 L4 of L1 L2 L3 L4 L5 L6.
    assert figures[Source.CONVERSION].value == Decimal("33.3333")
    assert board.sales_target == Decimal("4000")
    by_day = dict(board.sales_by_day)
    assert len(by_day) == 31
    assert by_day[dt.date(2026, 3, 10)] == Decimal("500")
    assert by_day[dt.date(2026, 3, 20)] == Decimal("500")
    assert by_day[dt.date(2026, 3, 21)] is None  # the line stops today
    # The leaderboard ranks agents by sales while no scorecard is there.
    rows = [(r.name, r.rank, r.sales, r.calls, r.followups) for r in board.leaderboard]
    assert rows == [
        (org.agent_a1.display_name, 1, Decimal("1000"), 2, 4),
        (org.agent_a2.display_name, 2, Decimal("0"), 1, 1),
    ]


def test_with_scorecards_the_board_reads_them(org, day):
    indicators = {i.source: i for i in Indicator.objects.all()}
    team_card = Scorecard.objects.create(
        level=Level.TEAM,
        team=org.team_a,
        period_kind=MARCH.kind,
        period_start=MARCH.start,
        total=Decimal("77.5"),
        rank=2,
        rank_of=3,
    )
    ScorecardValue.objects.create(
        scorecard=team_card,
        indicator=indicators[Source.SALES_AMOUNT],
        numerator=Decimal("1000"),
        value=Decimal("1000"),
        target=Decimal("2000"),
        achievement=Decimal("50"),
    )
    for member, total, rank, ontime in (
        (org.agent_a1, "81.25", 1, "75"),
        (org.agent_a2, "40", 2, "100"),
    ):
        card = Scorecard.objects.create(
            level=Level.AGENT,
            agent=member.user,
            period_kind=MARCH.kind,
            period_start=MARCH.start,
            total=Decimal(total),
            rank=rank,
            rank_of=2,
        )
        ScorecardValue.objects.create(
            scorecard=card,
            indicator=indicators[Source.ONTIME_FOLLOWUP],
            value=Decimal(ontime),
        )
    board = board_for(org)
    assert board.from_scorecard
    assert [(f.source, f.value, f.target) for f in board.figures] == [
        (Source.SALES_AMOUNT, Decimal("1000"), Decimal("2000"))
    ]
    assert [(r.name, r.total, r.rank, r.rank_of, r.ontime_rate) for r in board.leaderboard] == [
        (org.agent_a1.display_name, Decimal("81.25"), 1, 2, Decimal("75")),
        (org.agent_a2.display_name, Decimal("40"), 2, 2, Decimal("100")),
    ]


def test_team_comparison_side_by_side(org, day):
    columns = {
        c.team.pk: c
        for c in dashboards.team_comparison(org.head.user, period=MARCH, today=NOW.date())
    }
    assert set(columns) == {org.team_a.pk, org.team_b.pk, org.team_c.pk}
    a, b = columns[org.team_a.pk], columns[org.team_b.pk]
    assert (a.sales, b.sales) == (Decimal("1000"), Decimal("700"))
    assert (a.agents, b.agents) == (2, 1)
    assert (a.calls, b.calls) == (3, 1)
    assert (a.calls_per_agent, b.calls_per_agent) == (Decimal("1.5"), Decimal("1.0"))
    assert (a.satisfaction, b.satisfaction) == (Decimal("3.3333"), Decimal("1"))
    assert (a.complaints, b.complaints) == (1, 0)
    assert a.conversion == Decimal("33.3333")
    assert (a.rank, b.rank) == (1, 2)


def test_a_head_compares_only_the_teams_of_their_subtree(org, day):
    columns = dashboards.team_comparison(org.south_head.user, period=MARCH, today=NOW.date())
    assert [c.team for c in columns] == [org.team_c]


def test_the_agent_sees_their_own_figures_and_rank(org, day):
    card = Scorecard.objects.create(
        level=Level.AGENT,
        agent=org.agent_a1.user,
        period_kind=MARCH.kind,
        period_start=MARCH.start,
        total=Decimal("81.25"),
        rank=1,
        rank_of=2,
    )
    ScorecardValue.objects.create(
        scorecard=card,
        indicator=Indicator.objects.get(source=Source.SALES_AMOUNT),
        value=Decimal("1000"),
    )
    board = dashboards.agent_dashboard(org.agent_a1.user, period=MARCH, now=NOW)
    assert (board.today.followups, board.today.calls) == (2, 1)
    assert (board.today.orders, board.today.sales) == (1, Decimal("1000"))
    assert (board.rank, board.rank_of) == (1, 2)
    assert [p["label"] for p in board.trend] == [
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert board.trend[-1]["sales"] == Decimal("1000")
    assert board.trend[-1]["total"] == Decimal("81.25")
    assert board.trend[0]["total"] is None

"""Turnover figures against a small history worked out by hand.

"Today" is 15 June 2026, so the twelve months run from July 2025 to June 2026. A new
department `north` (under the center) has teams N1 and N2:

    p1, p2  hired 10 Jan 2025 in N1, still there
    p3      hired 1 Mar 2025 in N1, moved to N2 on 10 Feb 2026, left 20 Mar 2026 (resigned)
            → a March leaver of N2 (the team they left from), tenure 384 days
    p4      hired 15 Jan 2026 in N2 (a January hire of N2), left 5 Mar 2026 (dismissed),
            tenure 49 days
    p5      hired 1 Jun 2025 in N1, left 30 Apr 2026 (resigned), tenure 333 days
    p6      hired 1 Feb 2026 in N1 (a February hire), still there

N1's manager (hired in 2024) is a member of N1 too. Headcount at the start of a month
(memberships [started_at, ended_at)):
    N1: 1 Mar 5 (manager p1 p2 p5 p6), 1 Apr 5, 1 May 4 (p5's membership ends 1 May 00:00)
    N2: 1 Mar 2 (p3 p4), 1 Apr 0
N1 has two snapshots in March (5 and 6): its March average is their mean, 5.5.

    N1 April: 1 leaver / ((5 + 4) / 2 = 4.5) → 22.22 %
    N2 March: 2 leavers / ((2 + 0) / 2 = 1) → 200 %; resigned 1, dismissed 1; tenure 216.5
    north March: 2 / (5.5 + 1) = 30.77 %; April: 1 / (4.5 + 0) = 22.22 %
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import services as crm_services
from crm.models import HeadcountSnapshot, LeaveReason, MemberStatus, Role
from performance.selectors import turnover as selectors
from tests.factories import DepartmentFactory, TeamFactory, make_member
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory
from tests.performance.people_fixtures import local, sale

TODAY = dt.date(2026, 6, 15)
MAR, APR = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def leave(member, day: dt.date, reason: str) -> None:
    crm_services.member_set_status(
        member=member, status=MemberStatus.LEFT, leave_date=day, leave_reason=reason
    )


@pytest.fixture
def north(org):
    department = DepartmentFactory(name="华北", parent=org.center)
    n1 = TeamFactory(name="N1", department=department)
    n2 = TeamFactory(name="N2", department=department)
    manager = make_member(role=Role.TEAM_MANAGER, team=n1, hire_date=dt.date(2024, 1, 1))
    n1.manager = manager.user
    crm_services.team_save(team=n1)
    # The manager is a member of N1 too: hired long ago, counted in every headcount.
    p1 = make_member(team=n1, hire_date=dt.date(2025, 1, 10))
    p2 = make_member(team=n1, hire_date=dt.date(2025, 1, 10))
    p3 = make_member(team=n1, hire_date=dt.date(2025, 3, 1))
    crm_services.member_move(member=p3, team=n2, at=local(2026, 2, 10, 0, 0))
    leave(p3, dt.date(2026, 3, 20), LeaveReason.RESIGNED)
    p4 = make_member(team=n2, hire_date=dt.date(2026, 1, 15))
    leave(p4, dt.date(2026, 3, 5), LeaveReason.DISMISSED)
    p5 = make_member(team=n1, hire_date=dt.date(2025, 6, 1))
    leave(p5, dt.date(2026, 4, 30), LeaveReason.RESIGNED)
    p6 = make_member(team=n1, hire_date=dt.date(2026, 2, 1))
    HeadcountSnapshot.objects.create(team=n1, day=dt.date(2026, 3, 10), headcount=5)
    HeadcountSnapshot.objects.create(team=n1, day=dt.date(2026, 3, 20), headcount=6)
    return {
        "department": department,
        "n1": n1,
        "n2": n2,
        "manager": manager,
        "people": [p1, p2, p3, p4, p5, p6],
    }


def month(row, day: dt.date):
    return next(cell for cell in row.months if cell.month == day)


def row_of(rows, pk):
    return next(row for row in rows if row.pk == pk)


def test_the_twelve_months_end_with_this_one():
    months = selectors.last_months(TODAY)
    assert months[0] == dt.date(2025, 7, 1) and months[-1] == dt.date(2026, 6, 1)
    assert len(months) == 12


def test_team_figures_match_the_hand_computed_history(org, north):
    data = selectors.turnover(org.admin.user, today=TODAY)
    n1 = row_of(data.teams, north["n1"].pk)
    n2 = row_of(data.teams, north["n2"].pk)
    # The manager counts in N1's headcount as well: +1 on every boundary.
    april = month(n1, APR)
    assert (april.leavers, april.average_headcount) == (1, Decimal("4.50"))
    assert april.attrition == Decimal("22.22")
    assert april.reasons == {"resigned": 1} and april.mean_tenure_days == Decimal("333.0")
    assert month(n1, MAR).average_headcount == Decimal("5.50")  # the snapshots' mean
    assert month(n1, MAR).leavers == 0 and month(n1, MAR).attrition == Decimal("0.00")
    march = month(n2, MAR)
    assert (march.leavers, march.average_headcount, march.attrition) == (
        2,
        Decimal("1.00"),
        Decimal("200.00"),
    )
    assert march.reasons == {"resigned": 1, "dismissed": 1}
    assert march.mean_tenure_days == Decimal("216.5")
    assert month(n2, APR).average_headcount == 0 and month(n2, APR).attrition is None
    # Hires, for the team of the first membership.
    assert month(n2, dt.date(2026, 1, 1)).hires == 1
    assert month(n1, dt.date(2026, 2, 1)).hires == 1
    assert sum(c.hires for c in n1.months) == 1  # p3, p5 and p1/p2 were hired before July
    # The moved leaver counts for N2 only.
    assert sum(c.leavers for c in n1.months) == 1 and sum(c.leavers for c in n2.months) == 2


def test_a_department_sums_its_subtree(org, north):
    data = selectors.turnover(org.admin.user, today=TODAY)
    dept = row_of(data.departments, north["department"].pk)
    assert dept.level == "department"
    march, april = month(dept, MAR), month(dept, APR)
    assert (march.leavers, march.average_headcount, march.attrition) == (
        2,
        Decimal("6.50"),
        Decimal("30.77"),
    )
    assert (april.leavers, april.average_headcount, april.attrition) == (
        1,
        Decimal("4.50"),
        Decimal("22.22"),
    )
    center = row_of(data.departments, org.center.pk)
    assert month(center, MAR).leavers == 2 and month(center, APR).leavers == 1
    total = dept.total
    assert total.leavers == 3 and total.hires == 2
    assert total.reasons == {"resigned": 2, "dismissed": 1}


def test_scope_managers_see_their_teams_and_heads_their_subtree(org, north):
    mine = selectors.turnover(north["manager"].user, today=TODAY)
    assert [row.pk for row in mine.teams] == [north["n1"].pk]
    assert mine.departments == []
    south = selectors.turnover(org.south_head.user, today=TODAY)
    assert {row.pk for row in south.teams} == {org.team_c.pk}
    assert [row.pk for row in south.departments] == [org.south.pk]
    assert sum(c.leavers for c in south.departments[0].months) == 0


def test_flat_rows_for_the_api_and_exports(org, north):
    rows = selectors.turnover_rows(selectors.turnover(north["manager"].user, today=TODAY))
    assert len(rows) == 12
    april = next(r for r in rows if r["month"] == APR)
    assert april["team"] == north["n1"].pk and april["level"] == "team"
    assert april["leavers"] == 1 and april["attrition"] == Decimal("22.22")


def test_turnover_costs_the_same_queries_whatever_the_size(org, north, django_assert_num_queries):
    access_user = org.admin.user
    with CaptureQueriesContext(connection) as first:
        selectors.turnover(access_user, today=TODAY)
    for n in range(3):
        team = TeamFactory(name=f"extra{n}", department=north["department"])
        for _ in range(2):
            member = make_member(team=team, hire_date=dt.date(2025, 2, 1))
            leave(member, dt.date(2026, 1, 10 + n), LeaveReason.OTHER)
    with django_assert_num_queries(len(first.captured_queries)):
        data = selectors.turnover(access_user, today=TODAY)
    assert month(row_of(data.departments, north["department"].pk), dt.date(2026, 1, 1)).leavers == 6


# --- ramp-up ------------------------------------------------------------------------------


@pytest.fixture
def ramp(org):
    department = DepartmentFactory(name="西北", parent=org.center)
    team = TeamFactory(name="R", department=department)
    t1 = make_member(team=team, hire_date=dt.date(2025, 1, 1))
    t2 = make_member(team=team, hire_date=dt.date(2025, 1, 1))
    r1 = make_member(team=team, hire_date=dt.date(2026, 4, 1))
    lead = LeadFactory(owner=r1.user, team=team)
    for at in (
        local(2026, 3, 31, 23, 0),  # before the hire: not counted
        local(2026, 4, 1, 9, 0),  # day 0
        local(2026, 4, 30, 23, 0),  # day 29 (local time)
        local(2026, 5, 1, 0, 30),  # day 30: the second period
        local(2026, 6, 14, 10, 0),  # day 74: the third
    ):
        CallFactory(lead=lead, agent=r1.user, started_at=at)
    for _ in range(2):
        FollowUpFactory(lead=lead, agent=r1.user, created_at=local(2026, 5, 15, 10, 0))
    sale(r1, dt.date(2026, 4, 10), "500")
    sale(r1, dt.date(2026, 5, 31), "300")  # day 60
    tenured_lead = LeadFactory(owner=t1.user, team=team)
    for day in range(6):
        CallFactory(lead=tenured_lead, agent=t1.user, started_at=local(2026, 5, 1 + day, 10, 0))
    CallFactory(lead=tenured_lead, agent=t1.user, started_at=local(2026, 3, 10, 10, 0))  # old
    for _ in range(3):
        FollowUpFactory(lead=tenured_lead, agent=t2.user, created_at=local(2026, 6, 1, 10, 0))
    sale(t1, dt.date(2026, 6, 1), "900")
    return {"team": team, "r1": r1}


def test_new_agents_ramp_up_by_30_day_period_against_tenured_agents(org, ramp):
    rows = selectors.ramp_up(org.admin.user, today=TODAY)
    row = next(r for r in rows if r.member.pk == ramp["r1"].pk)
    assert [(b.calls, b.followups, b.sales, b.complete) for b in row.buckets] == [
        (2, 0, Decimal("500.00"), True),
        (1, 2, 0, True),
        (1, 0, Decimal("300.00"), False),
    ]
    # Tenured: 6 calls, 3 follow-ups and ¥900 over 90 days between 2 agents → per 30 days.
    assert (row.tenured.calls, row.tenured.followups, row.tenured.sales) == (
        Decimal("1.0"),
        Decimal("0.5"),
        Decimal("150.00"),
    )
    assert {r.member.pk for r in rows} == {ramp["r1"].pk}  # the others were hired long ago


def test_ramp_up_costs_the_same_queries_whatever_the_number_of_agents(org, ramp):
    with CaptureQueriesContext(connection) as first:
        selectors.ramp_up(org.admin.user, today=TODAY)
    for _ in range(3):
        member = make_member(team=ramp["team"], hire_date=dt.date(2026, 5, 1))
        CallFactory(
            lead=LeadFactory(owner=member.user),
            agent=member.user,
            started_at=local(2026, 5, 2, 10, 0),
        )
    with CaptureQueriesContext(connection) as second:
        rows = selectors.ramp_up(org.admin.user, today=TODAY)
    assert len(rows) == 4
    assert len(second.captured_queries) == len(first.captured_queries)


def test_the_trend_compares_the_last_three_months_with_the_three_before(org, north):
    # Months Jan–Jun 2026: before = Jan–Mar (N2's two leavers), recent = Apr–Jun (none).
    data = selectors.turnover(org.admin.user, today=TODAY)
    assert row_of(data.teams, north["n2"].pk).trend == "down"
    assert row_of(data.teams, north["n1"].pk).trend == "up"  # p5 left in April
    assert row_of(data.teams, org.team_b.pk).trend == "flat"

"""The dashboard pages: who opens which, what they show, exports, and a fixed query count."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from orders.models import SalesEntry
from performance.models import Level, Scorecard
from performance.periods import current_period
from tests.aftersales.factories import OrderFactory
from tests.factories import make_member
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory
from tests.performance.factories import default_indicators

HOME = reverse("performance:home")
TEAM = reverse("performance:team_dashboard")
TEAM_EXPORT = reverse("performance:team_export")
COMPARISON = reverse("performance:department_comparison")
COMPARISON_EXPORT = reverse("performance:department_export")
ME = reverse("performance:my_dashboard")


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings, db):
    """Every view computes its figures (one test below checks the cache on purpose); the
    built-in indicators are there even after a transactional test emptied the tables."""
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0
    default_indicators()


def work_today(member, *, n: int = 1) -> None:
    """`n` follow-ups and calls of today on fresh leads, and one confirmed sale."""
    for _ in range(n):
        lead = LeadFactory(owner=member.user, team=member.team)
        FollowUpFactory(lead=lead)
        CallFactory(lead=lead, duration_seconds=90)
    order = OrderFactory(
        lead=LeadFactory(owner=member.user, team=member.team),
        agent=member.user,
        team=member.team,
        confirmed_at=timezone.now(),
    )
    SalesEntry.objects.create(
        order=order,
        kind=SalesEntry.Kind.CONFIRMED,
        agent=member.user,
        team=member.team,
        day=timezone.localdate(),
        amount=Decimal("1000"),
    )


def charts_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="performance-charts" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


# --- who opens what ------------------------------------------------------------------------


def test_the_landing_page_is_each_roles_own(org, client_as):
    agent = client_as(org.agent_a1).get(HOME)
    assert agent.status_code == 200
    assert "performance/dashboards/agent.html" in [t.name for t in agent.templates]

    manager = client_as(org.manager_a).get(HOME)
    assert manager.status_code == 200
    assert manager.context["team"] == org.team_a

    for member in (org.head, org.admin, org.inspector):
        response = client_as(member).get(HOME)
        assert response.status_code == 200
        assert "performance/dashboards/departments.html" in [t.name for t in response.templates]


def test_an_agent_cannot_open_any_team_dashboard(org, client_as):
    client = client_as(org.agent_a1)
    assert client.get(TEAM).status_code == 403
    assert client.get(TEAM, {"team": org.team_a.pk}).status_code == 403
    assert client.get(TEAM, {"team": org.team_b.pk}).status_code == 403
    assert client.get(COMPARISON).status_code == 403
    assert client.get(TEAM_EXPORT).status_code == 403


def test_an_agent_sees_their_own_figures_and_rank_only(org, client_as):
    work_today(org.agent_a1, n=2)
    work_today(org.agent_a2, n=5)
    period = current_period()
    for member, rank in ((org.agent_a1, 2), (org.agent_a2, 1)):
        Scorecard.objects.create(
            level=Level.AGENT,
            agent=member.user,
            period_kind=period.kind,
            period_start=period.start,
            total=Decimal("50") * rank,
            rank=rank,
            rank_of=2,
        )
    response = client_as(org.agent_a1).get(ME)
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.today.followups, board.today.calls, board.today.sales) == (2, 2, Decimal("1000"))
    assert (board.rank, board.rank_of) == (2, 2)
    html = response.content.decode()
    assert 'id="my-rank"' in html
    assert "Rank 2 of 2" in html
    assert org.agent_a2.display_name not in html  # never another agent's figures
    assert "Decimal" not in html
    assert set(charts_of(response)) == {"trend"}


def test_a_manager_opens_only_their_own_team(org, client_as):
    client = client_as(org.manager_a)
    assert client.get(TEAM).context["team"] == org.team_a
    assert client.get(TEAM, {"team": org.team_a.pk}).status_code == 200
    assert client.get(TEAM, {"team": org.team_b.pk}).status_code == 404
    assert client.get(TEAM, {"team": org.team_c.pk}).status_code == 404
    assert client.get(TEAM, {"team": "x"}).status_code == 404
    assert client.get(TEAM_EXPORT, {"team": org.team_b.pk}).status_code == 404
    # The comparison holds only their team.
    columns = client.get(COMPARISON).context["columns"]
    assert [c.team for c in columns] == [org.team_a]


def test_a_head_opens_the_teams_of_their_subtree(org, client_as):
    client = client_as(org.south_head)
    assert client.get(TEAM, {"team": org.team_c.pk}).status_code == 200
    assert client.get(TEAM, {"team": org.team_a.pk}).status_code == 404
    assert client.get(TEAM).context["team"] == org.team_c
    assert [c.team for c in client.get(COMPARISON).context["columns"]] == [org.team_c]
    assert client.get(COMPARISON, {"department": org.east.pk}).status_code == 404

    center = client_as(org.head)
    response = center.get(COMPARISON, {"department": org.east.pk})
    assert {c.team for c in response.context["columns"]} == {org.team_a, org.team_b}


# --- what the pages show -------------------------------------------------------------------


def test_the_team_dashboard_shows_today_leaderboard_and_charts(org, client_as):
    work_today(org.agent_a1, n=3)
    work_today(org.agent_a2, n=1)
    work_today(org.agent_b1, n=4)  # another team
    response = client_as(org.manager_a).get(TEAM)
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.today.followups, board.today.calls, board.today.orders) == (4, 4, 2)
    assert board.today.sales == Decimal("2000")
    assert board.today.talk_minutes == Decimal("6.0")
    assert [row.name for row in board.leaderboard] == [
        org.agent_a1.display_name,
        org.agent_a2.display_name,
    ]
    html = response.content.decode()
    assert 'id="today-followups">4<' in html
    assert org.agent_b1.display_name not in html
    charts = charts_of(response)
    assert set(charts) == {"sales", "funnel", "satisfaction", "leaderboard"}
    assert charts["leaderboard"]["labels"] == [
        org.agent_a1.display_name,
        org.agent_a2.display_name,
    ]
    for key in charts:
        assert f'data-chart="{key}"' in html
    assert "vendor/chart.js-4.6.1/chart.umd.min.js" in html
    # The overdue figures link to the lists of those records.
    assert reverse("aftersales:revisit_list") + "?view=team" in html
    assert reverse("leads:team") + "?overdue=on" in html


def test_a_name_is_data_in_the_chart_block_never_code(org, client_as):
    org.agent_a1.user.first_name = "</script><script>alert(1)</script>"
    org.agent_a1.user.last_name = ""
    org.agent_a1.user.save()
    response = client_as(org.manager_a).get(TEAM)
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert charts_of(response)["leaderboard"]["labels"][0].startswith("</script>")


def test_the_period_picker_and_a_bad_period(org, client_as):
    client = client_as(org.manager_a)
    response = client.get(TEAM, {"period_kind": "week", "period_start": "2026-03-04"})
    assert str(response.context["period"].start) == "2026-03-02"
    assert response.context["period"].kind == "week"
    response = client.get(TEAM, {"period_kind": "decade"})
    assert response.status_code == 200
    assert response.context["period"] == current_period()
    assert "period_kind" in response.content.decode()
    for start in ("0001-01-01", "9999-12-31"):
        response = client.get(TEAM, {"period_start": start})
        assert response.status_code == 200
        assert response.context["period"] == current_period()
    agent = client_as(org.agent_a1).get(ME, {"period_start": "0001-01-01"})
    assert agent.status_code == 200


def test_the_comparison_sorts_by_any_column(org, client_as):
    work_today(org.agent_b1, n=1)
    client = client_as(org.head)
    names = [c.team.name for c in client.get(COMPARISON, {"sort": "-sales"}).context["columns"]]
    assert names[0] == org.team_b.name
    names = [c.team.name for c in client.get(COMPARISON, {"sort": "team"}).context["columns"]]
    assert names == sorted(names)
    assert client.get(COMPARISON, {"sort": "nonsense"}).status_code == 200


# --- exports -------------------------------------------------------------------------------


def test_the_manager_exports_the_leaderboard(org, client_as):
    work_today(org.agent_a1, n=1)
    response = client_as(org.manager_a).get(TEAM_EXPORT, {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Rank,Agent,")
    assert org.agent_a1.display_name in lines[1]
    assert "1000" in lines[1]
    assert org.agent_b1.display_name not in text

    excel = client_as(org.manager_a).get(TEAM_EXPORT, {"format": "xlsx"})
    assert excel.status_code == 200
    assert excel["Content-Disposition"].endswith('.xlsx"')


def test_the_head_exports_the_comparison(org, client_as):
    response = client_as(org.head).get(COMPARISON_EXPORT, {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    for team in (org.team_a, org.team_b, org.team_c):
        assert team.name in text


def test_an_inspector_reads_but_may_not_export(org, client_as):
    client = client_as(org.inspector)
    assert client.get(TEAM, {"team": org.team_b.pk}).status_code == 200
    assert client.get(COMPARISON_EXPORT).status_code == 403


# --- a fixed number of queries -------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_team_dashboard_costs_the_same_queries_for_a_bigger_team(
    org, client_as, django_assert_num_queries
):
    work_today(org.agent_a1)
    client = client_as(org.manager_a)
    client.get(TEAM)  # warm: the session, the risk policy cache
    small = _queries(client, TEAM)
    for _ in range(6):
        work_today(make_member(team=org.team_a, role=Role.AGENT), n=2)
    with django_assert_num_queries(small):
        client.get(TEAM)


def test_the_comparison_costs_the_same_queries_for_more_teams(
    org, client_as, django_assert_num_queries
):
    from tests.factories import TeamFactory

    client = client_as(org.admin)
    client.get(COMPARISON)
    few = _queries(client, COMPARISON)
    for _ in range(4):
        team = TeamFactory(department=org.east)
        work_today(make_member(team=team), n=1)
    with django_assert_num_queries(few):
        client.get(COMPARISON)


def test_the_agent_page_costs_a_fixed_number_of_queries(org, client_as, django_assert_num_queries):
    client = client_as(org.agent_a1)
    client.get(ME)
    few = _queries(client, ME)
    work_today(org.agent_a1, n=5)
    with django_assert_num_queries(few):
        client.get(ME)


# --- the API -------------------------------------------------------------------------------

TEAM_API = "/api/performance/dashboard/team/"
ME_API = "/api/performance/dashboard/me/"


def test_the_team_dashboard_api(org, api_as):
    work_today(org.agent_a1, n=2)
    work_today(org.agent_b1, n=1)
    api = api_as(org.manager_a)
    body = api.get(TEAM_API).json()
    assert body["team"] == {"id": org.team_a.pk, "name": org.team_a.name}
    assert body["today"]["followups"] == 2
    assert body["today"]["sales_amount"] == "1000.00"
    assert [row["agent"] for row in body["leaderboard"]] == [
        org.agent_a1.user_id,
        org.agent_a2.user_id,
    ]
    assert set(body["funnel"]) == {"assigned", "contacted", "interested", "ordered"}
    assert len(body["satisfaction"]) == 12
    assert api.get(TEAM_API, {"team": org.team_b.pk}).status_code == 404
    bad = api.get(TEAM_API, {"period_kind": "decade"})
    assert bad.status_code == 400
    assert "period_kind" in bad.json()
    bad = api.get(TEAM_API, {"period_start": "1000-01-01"})
    assert bad.status_code == 400
    assert "period_start" in bad.json()
    assert api.get(TEAM_API, {"team": "abc"}).status_code == 400


def test_the_my_dashboard_api_is_the_callers_own(org, api_as):
    work_today(org.agent_a1, n=1)
    work_today(org.agent_a2, n=3)
    api = api_as(org.agent_a1)
    assert api.get(TEAM_API).status_code == 403
    body = api.get(ME_API, {"period_kind": "week"}).json()
    assert body["period"]["kind"] == "week"
    assert body["today"]["followups"] == 1
    assert len(body["trend"]) == 6
    assert body["rank"] is None


def test_period_wide_figures_are_reused_for_a_while_today_is_always_live(org, client_as, settings):
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 300
    work_today(org.agent_a1, n=1)
    client = client_as(org.manager_a)
    client.get(TEAM)
    first = _queries(client, TEAM)
    work_today(org.agent_a1, n=2)
    with CaptureQueriesContext(connection) as captured:
        board = client.get(TEAM).context["board"]
    assert len(captured) == first
    assert board.today.followups == 3  # live
    # The period's live sums come from the cache until it expires.
    assert next(r for r in board.leaderboard if r.user_id == org.agent_a1.user_id).followups == 1
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0
    board = client.get(TEAM).context["board"]
    assert next(r for r in board.leaderboard if r.user_id == org.agent_a1.user_id).followups == 3


def test_the_landing_page_links_the_other_performance_pages(org, client_as):
    html = client_as(org.manager_a).get(HOME).content.decode()
    for name in ("performance:scorecards", "performance:incentives", "performance:turnover"):
        assert f'href="{reverse(name)}"' in html


@pytest.mark.parametrize("who", ["agent_a1", "manager_a", "head", "inspector", "admin"])
def test_the_sub_menu_offers_only_pages_the_user_may_open(org, client_as, who):
    import re

    client = client_as(getattr(org, who))
    html = client.get(HOME, follow=True).content.decode()
    menu = re.search(r'id="performance-nav".*?</ul>', html, re.S)
    links = set(re.findall(r'href="(/performance/[^"?#]*)', menu.group(0)))
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_scorecard_figures_open_the_records_behind_them(org, client_as):
    from performance.models import Indicator, ScorecardValue, Source

    period = current_period()
    card = Scorecard.objects.create(
        level=Level.TEAM,
        team=org.team_a,
        period_kind=period.kind,
        period_start=period.start,
        total=Decimal("70"),
    )
    sales = Indicator.objects.get(source=Source.SALES_AMOUNT)
    ScorecardValue.objects.create(scorecard=card, indicator=sales, value=Decimal("1000"))
    client = client_as(org.manager_a)
    html = client.get(TEAM).content.decode()
    drilldown = reverse("performance:scorecard_drilldown", args=(card.pk, sales.code))
    assert f'href="{drilldown}"' in html
    assert client.get(drilldown).status_code == 200

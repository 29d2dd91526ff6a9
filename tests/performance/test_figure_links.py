"""Every figure on the dashboards opens its records (issue 15, points 3 and 9).

Today's tiles and the period's live figures open `performance:figure_records` for the
figure's subject and span, ending when the figure was computed; a count's page lists
exactly that many records. Scorecard figures open the scorecard's drill-down. Comparisons
sort best first; the sales line stops today; order numbers in drill-downs are links.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from performance.periods import current_period
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators
from tests.performance.test_dashboard_views import charts_of, work_today

TEAM = reverse("performance:team_dashboard")
COMPARISON = reverse("performance:department_comparison")
ME = reverse("performance:my_dashboard")
TILES = ("today-calls", "today-followups", "today-complaints")


@pytest.fixture(autouse=True)
def _setup(settings, db):
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0
    default_indicators()


def tile_links(html: str) -> dict[str, tuple[str, str]]:
    """{tile id: (href, number shown)}."""
    found = {}
    for href, tile_id, text in re.findall(
        r'<a href="([^"]+)" class="figure-link[^"]*" id="(today-[\w-]+)">([^<]*)</a>', html
    ):
        found[tile_id] = (unescape(href), text.strip())
    return found


def rows_on(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode().count('class="drilldown-row"')


def test_each_count_tile_lists_exactly_as_many_records(org, client_as):
    work_today(org.agent_a1, n=3)
    work_today(org.agent_a2, n=2)
    work_today(org.agent_b1, n=4)  # another team
    client = client_as(org.manager_a)
    html = client.get(TEAM).content.decode()
    tiles = tile_links(html)
    assert set(TILES) <= set(tiles)
    assert tiles["today-calls"][1] == "5"
    for tile in TILES:
        href, shown = tiles[tile]
        assert href.startswith(reverse("performance:figure_records", args=["x"])[:-2])
        assert rows_on(client, href) == int(shown), tile
        page = client.get(href)
        assert page.context["page"].count == int(shown)
    # Orders are net of reversals: what the rows add up to is the tile.
    href, shown = tiles["today-orders"]
    assert client.get(href).context["page"].value == int(shown)
    assert 'data-live="1"' in html


def test_a_live_figure_keeps_its_records_while_new_ones_come_in(org, client_as):
    work_today(org.agent_a1, n=2)
    client = client_as(org.manager_a)
    href, shown = tile_links(client.get(TEAM).content.decode())["today-calls"]
    work_today(org.agent_a1, n=3)  # after the figure was computed
    assert rows_on(client, href) == int(shown) == 2


def test_live_period_figures_and_leaderboard_cells_link_their_records(org, client_as):
    work_today(org.agent_a1, n=2)
    client = client_as(org.manager_a)
    response = client.get(TEAM)
    board = response.context["board"]
    assert not board.from_scorecard
    for row in board.figures:
        assert row.url and "/performance/figures/" in row.url, row.source
        query = parse_qs(urlparse(row.url).query)
        assert query["level"] == ["team"] and query["subject"] == [str(org.team_a.pk)]
    calls = next(r for r in board.figures if r.source == "calls")
    assert rows_on(client, calls.url) == int(calls.value) == 2
    leader = next(r for r in board.leaderboard if r.user_id == org.agent_a1.user_id)
    assert rows_on(client, leader.links["calls"]) == leader.calls == 2


def test_scorecard_figures_say_when_they_were_computed(org, client_as):
    work_today(org.agent_a1, n=1)
    recompute_scorecards(period=current_period())
    client = client_as(org.manager_a)
    response = client.get(TEAM)
    board = response.context["board"]
    assert board.from_scorecard
    html = response.content.decode()
    assert 'data-live="0"' in html and "computed at" in html
    for row in board.figures:
        assert "/drilldown/" in row.url


def test_who_may_open_a_live_drilldown(org, client_as):
    work_today(org.agent_b1, n=1)
    manager_b = client_as(org.manager_b)
    href, _shown = tile_links(manager_b.get(TEAM).content.decode())["today-calls"]
    assert manager_b.get(href).status_code == 200
    assert client_as(org.manager_a).get(href).status_code == 404  # not their team
    assert client_as(org.head).get(href).status_code == 200
    agent = client_as(org.agent_b1)
    own, _shown = tile_links(agent.get(ME).content.decode())["today-calls"]
    assert agent.get(own).status_code == 200
    assert client_as(org.agent_a1).get(own).status_code == 404
    for bad in ("level=team", "level=x&subject=1&start=2026-01-01&end=2026-01-02", "start=x"):
        assert manager_b.get(href.split("?")[0] + "?" + bad).status_code == 404
    assert manager_b.get(reverse("performance:figure_records", args=["nope"])).status_code == 404


def test_order_numbers_in_a_drilldown_are_links(org, client_as):
    work_today(org.agent_a1, n=1)
    client = client_as(org.manager_a)
    board = client.get(TEAM).context["board"]
    href = board.today.get("sales_amount").url
    html = client.get(href).content.decode()
    assert re.search(r'<a href="/orders/\d+/" class="order-link">', html)


def test_the_sales_line_stops_today(org, client_as):
    work_today(org.agent_a1, n=1)
    charts = charts_of(client_as(org.manager_a).get(TEAM))
    cumulative = charts["sales"]["datasets"][0]["data"]
    period = current_period()
    from django.utils import timezone

    today = (timezone.localdate() - period.start).days
    assert all(value is not None for value in cumulative[: today + 1])
    assert all(value is None for value in cumulative[today + 1 :])


def test_comparison_headings_sort_best_first(org, client_as):
    work_today(org.agent_b1, n=1)
    client = client_as(org.head)
    html = client.get(COMPARISON).content.decode()
    links = dict(re.findall(r'href="\?([^"]+)" data-sort="(\w+)"', html)[::-1][::-1])
    sorts = {name: parse_qs(unescape(query))["sort"][0] for query, name in links.items()}
    assert sorts["sales"] == "-sales"
    assert sorts["conversion"] == "-conversion"
    assert sorts["complaints"] == "complaints"  # lower is better
    assert sorts["attrition"] == "attrition"
    columns = client.get(COMPARISON, {"sort": "-sales"}).context["columns"]
    assert columns[0].team == org.team_b
    # A second click sorts the other way.
    html = client.get(COMPARISON, {"sort": "-sales"}).content.decode()
    assert "sort=sales" in html

"""One definition per figure, in a real browser and in Chinese (issue 15).

Team A worked today: calls, follow-ups, sales (one of them cancelled again) and a
complaint. The team manager signs in with a Chinese browser, opens 绩效 (the dashboard),
and follows each count tile: the records page lists exactly as many rows as the tile
says; orders (net of the cancellation) add up to the tile. The board says its figures are
live and as of when. At a phone's width (390 × 844) the page does not scroll sideways and
the charts fit; the head's comparison likewise. With FIGURES_SHOTS set, screenshots of
both boards at 1440 and 390 px are saved there.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.models import TicketType
from orders.models import SalesEntry
from tests.aftersales.factories import OrderFactory, TicketFactory
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_journeys import PASSWORD
from tests.leads.factories import LeadFactory
from tests.performance.factories import default_indicators
from tests.performance.test_dashboard_views import work_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("FIGURES_SHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def chinese_page(browser, live_server, viewport):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context, context.new_page()


def sign_in(page, member) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(member.user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#user-menu")).to_contain_text(member.display_name)


def a_day_of_work(org) -> None:
    default_indicators()
    work_today(org.agent_a1, n=3)
    work_today(org.agent_a2, n=2)
    work_today(org.agent_b1, n=4)  # another team: not on team A's tiles
    cancelled = OrderFactory(
        lead=LeadFactory(owner=org.agent_a2.user, team=org.team_a),
        agent=org.agent_a2.user,
        team=org.team_a,
        confirmed_at=timezone.now(),
    )
    for kind, amount in ((SalesEntry.Kind.CONFIRMED, "800"), (SalesEntry.Kind.CANCELLED, "-800")):
        SalesEntry.objects.create(
            order=cancelled,
            kind=kind,
            agent=org.agent_a2.user,
            team=org.team_a,
            day=timezone.localdate(),
            amount=Decimal(amount),
        )
    TicketFactory(
        lead=LeadFactory(owner=org.agent_a1.user, team=org.team_a),
        team=org.team_a,
        type=TicketType.COMPLAINT,
    )


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def charts_fit(page) -> None:
    page.wait_for_function("() => window.Chart && document.querySelector('canvas[data-chart]')")
    for box in page.locator("canvas[data-chart]").evaluate_all(
        "cs => cs.map(c => c.getBoundingClientRect().right)"
    ):
        assert box <= page.viewport_size["width"] + 1


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
        height = page.evaluate("() => document.documentElement.scrollHeight")
        size = page.viewport_size
        for n, top in enumerate(range(0, height, size["height"])):
            clip = {"x": 0, "y": top, "width": size["width"], "height": size["height"]}
            clip["height"] = min(clip["height"], height - top)
            page.screenshot(
                path=str(Path(SHOTS) / f"{name}-part{n + 1}.png"), full_page=True, clip=clip
            )


def test_the_manager_follows_each_count_tile_in_chinese(browser, live_server, org):
    a_day_of_work(org)
    context, page = chinese_page(browser, live_server, DESKTOP)
    try:
        sign_in(page, org.manager_a)
        page.goto("/performance/")
        expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
        expect(page.locator("h2", has_text="今日")).to_contain_text("实时")
        expect(page.locator("#today-calls")).to_have_text("5")
        expect(page.locator("#today-orders")).to_have_text("2")  # 3 confirmed, 1 cancelled
        expect(page.locator("#today-complaints")).to_have_text("1")
        page.wait_for_function(
            "() => window.Chart && Chart.getChart(document.getElementById('chart-sales'))"
        )
        shoot(page, "manager-1440")
        tiles = page.locator("#today .tile[data-count]").evaluate_all(
            "ts => ts.map(t => [t.querySelector('a').id, Number(t.dataset.count)])"
        )
        assert {tile for tile, _count in tiles} >= {
            "today-calls",
            "today-followups",
            "today-complaints",
        }
        for tile, count in tiles:
            page.locator(f"#{tile}").click()
            expect(page.locator("#drilldown-table")).to_be_visible()
            expect(page.locator("tr.drilldown-row")).to_have_count(count)
            expect(page.locator("#drilldown-count")).to_have_attribute("data-count", str(count))
            expect(page.locator("#drilldown-figure")).to_contain_text("条记录")
            page.go_back()
        # Net orders: the rows (3 confirmations, 1 cancellation) add up to the tile.
        page.locator("#today-orders").click()
        expect(page.locator("tr.drilldown-row")).to_have_count(4)
        expect(page.locator("#drilldown-figure strong")).to_have_text("2")
        expect(page.locator("a.order-link").first).to_have_attribute(
            "href", re.compile(r"^/orders/\d+/$")
        )
        page.go_back()

        page.set_viewport_size(PHONE)
        page.reload()
        no_sideways_scroll(page)
        charts_fit(page)
        shoot(page, "manager-390")
    finally:
        context.close()


def test_the_heads_comparison_fits_a_phone(browser, live_server, org):
    a_day_of_work(org)
    context, page = chinese_page(browser, live_server, PHONE)
    try:
        sign_in(page, org.head)
        page.goto("/performance/")
        expect(page.locator("#comparison")).to_contain_text(org.team_a.name)
        no_sideways_scroll(page)
        charts_fit(page)
        shoot(page, "head-390")
        page.set_viewport_size(DESKTOP)
        page.goto(f"/performance/departments/?department={org.east.pk}")
        expect(page.locator("#department-figures")).to_be_visible()
        shoot(page, "head-1440")
        # Sorting by conversion puts the best team first; complaints the fewest first.
        href = page.locator("#comparison a[data-sort='complaints']").get_attribute("href")
        assert "sort=complaints" in href
        href = page.locator("#comparison a[data-sort='conversion']").get_attribute("href")
        assert "sort=-conversion" in href
    finally:
        context.close()

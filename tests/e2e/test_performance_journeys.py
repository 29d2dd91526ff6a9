"""The manager's morning review, in a real browser (Debian's Chromium).

Team A worked today (follow-ups, calls, two confirmed sales) and has a follow-up past its
time; the month's scorecards are computed. The manager opens Performance from the menu:
the team dashboard shows today's figures, the leaderboard and four charts actually drawn
by Chart.js (served from static/vendor), each period figure opens the records behind it
(the scorecard drill-down), the overdue follow-ups open the team's lead list, and the
leaderboard downloads as CSV. An agent then sees only their own scorecard and rank, and
the team dashboard is closed to them.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import LeadStatus
from performance.periods import current_period
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory
from tests.performance.factories import default_indicators
from tests.performance.test_dashboard_views import work_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-sales", "chart-funnel", "chart-satisfaction", "chart-leaderboard")


def sign_out(page: Page) -> None:
    page.locator("#user-menu").click()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def drawn(page: Page, canvas_id: str) -> None:
    """Chart.js has a chart on the canvas (not just an empty canvas element)."""
    page.wait_for_function(
        "id => window.Chart && Chart.getChart(document.getElementById(id)) != null", arg=canvas_id
    )


def test_the_managers_morning_review(page: Page, live_server, org, tmp_path):
    work_today(org.agent_a1, n=2)
    work_today(org.agent_a2, n=1)
    work_today(org.agent_b1, n=4)  # another team: never on team A's board
    overdue = LeadFactory(
        name="逾期客户",
        owner=org.agent_a1.user,
        team=org.team_a,
        status=LeadStatus.CONTACTED,
        next_followup_at=timezone.now() - dt.timedelta(hours=2),
    )
    from performance.services.scorecards import recompute_scorecards

    default_indicators()
    recompute_scorecards(period=current_period())

    # The manager opens Performance: their team's dashboard.
    signed_in(page, org.manager_a, live_server)
    page.locator("#main-nav").get_by_role("link", name="Performance").click()
    expect(page).to_have_url(f"{live_server.url}/performance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(org.team_a.name)
    expect(page.locator("#today-followups")).to_have_text("3")
    expect(page.locator("#today-calls")).to_have_text("3")
    expect(page.locator("#today-orders")).to_have_text("2")
    board = page.locator("#leaderboard")
    expect(board).to_contain_text(org.agent_a1.display_name)
    expect(board).to_contain_text(org.agent_a2.display_name)
    expect(page.locator("body")).not_to_contain_text(org.agent_b1.display_name)
    for canvas in CHARTS:
        expect(page.locator(f"canvas#{canvas}")).to_be_visible()
        drawn(page, canvas)

    # A period figure opens the records behind it.
    sales = page.locator("#period-figures tr[data-source='sales_amount'] a.figure-link")
    sales.click()
    expect(page).to_have_url(re.compile(r"/performance/scorecards/\d+/drilldown/[\w-]+/"))
    page.go_back()

    # The overdue follow-ups open the team's leads, filtered.
    page.locator("#overdue [data-overdue='followups'] a").click()
    expect(page).to_have_url(re.compile(r"/leads/team/\?overdue=on"))
    expect(page.locator("body")).to_contain_text(overdue.name)
    page.go_back()

    # The leaderboard downloads as CSV.
    with page.expect_download() as download:
        page.locator("#export-leaderboard-csv").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("Rank,Agent,")
    assert org.agent_a1.display_name in text and org.agent_a2.display_name in text
    assert org.agent_b1.display_name not in text

    # An agent sees their own scorecard and rank, nobody else's.
    sign_out(page)
    signed_in(page, org.agent_a1, live_server)
    page.locator("#main-nav").get_by_role("link", name="Performance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My scorecard")
    expect(page.locator("#my-rank")).to_contain_text(re.compile(r"Rank \d+ of 2"))
    expect(page.locator("#today-followups")).to_have_text("2")
    drawn(page, "chart-trend")
    expect(page.locator("body")).not_to_contain_text(org.agent_a2.display_name)
    expect(page.locator("#leaderboard")).to_have_count(0)
    response = page.goto("/performance/team/")
    assert response is not None and response.status == 403


def test_the_manager_scores_a_call_and_the_head_compares_teams(page: Page, live_server, org):
    """From a lead's timeline the manager scores the agent's call on the rubric; it shows in
    the quality scores and, after a recompute, on the agent's scorecard. The head opens
    Performance and compares the teams of their subtree, sorted by sales."""
    from tests.leads.factories import CallFactory

    default_indicators()
    work_today(org.agent_a1, n=1)
    for _ in range(3):
        work_today(org.agent_b1, n=1)  # team B sells three times as much today
    lead = LeadFactory(name="质检客户", owner=org.agent_a1.user, team=org.team_a)
    CallFactory(lead=lead, agent=org.agent_a1.user, duration_seconds=240)

    signed_in(page, org.manager_a, live_server)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.locator("a.score-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Score a call")
    for field, score in (
        ("professionalism", "5"),
        ("communication", "4"),
        ("problem_solving", "3"),
    ):
        page.locator(f"#quality-form input[name='{field}'][value='{score}']").check()
    page.locator("#quality-form textarea[name='comment']").fill("开场白规范，需求挖掘不足")
    page.locator("#save-quality").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
    page.goto(f"{live_server.url}/performance/quality/")
    row = page.locator("#quality-table tr.quality-row").first
    expect(row).to_contain_text(org.agent_a1.display_name)
    expect(row).to_contain_text("80")  # (5 + 4 + 3) / 3 × 20

    from performance.models import QualityScore
    from performance.services.scorecards import recompute_scorecards

    assert QualityScore.objects.get().scorer == org.manager_a.user
    recompute_scorecards(period=current_period())
    sign_out(page)

    # The head compares the teams they see; team C (another subtree's) is not among them
    # for the south head, but the center head sees all three.
    signed_in(page, org.head, live_server)
    page.locator("#main-nav").get_by_role("link", name="Performance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team comparison")
    drawn(page, "chart-comparison")
    table = page.locator("#comparison")
    for team in (org.team_a, org.team_b, org.team_c):
        expect(table).to_contain_text(team.name)
    page.locator("#comparison a[data-sort='sales']").click()
    expect(page).to_have_url(re.compile(r"sort=-?sales"))
    order = page.locator("#comparison tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.team)"
    )
    by_sales = [str(org.team_b.pk), str(org.team_a.pk), str(org.team_c.pk)]
    assert order in (by_sales, by_sales[::-1])

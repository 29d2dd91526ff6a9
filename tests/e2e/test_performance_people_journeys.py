"""Rewards and improvement plans in a real browser (Debian's Chromium).

The team manager proposes a bonus for an agent and opens an improvement plan for another;
the department head approves the bonus from "Waiting for my decision"; the agent then sees
the approved bonus (and nothing else) on their incentives page.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from performance.models import ImprovementPlan, Incentive
from tests.e2e.test_journeys import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.locator("#user-menu").click()
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_reward_is_proposed_approved_and_seen_and_a_plan_is_opened(page: Page, live_server, org):
    today = timezone.localdate()

    # The manager proposes a bonus for agent_a1.
    signed_in(page, org.manager_a, live_server)
    page.goto("/performance/incentives/")
    page.locator("#propose summary").click()
    form = page.locator("#propose-form")
    form.get_by_label("Agent").select_option(str(org.agent_a1.user_id))
    form.get_by_label("Kind").select_option("bonus")
    form.get_by_label("Amount").fill("800")
    form.get_by_label("Month").fill(f"{today:%Y-%m}")  # a month picker
    form.get_by_label("Reason").fill("月度销售额全组第一")
    page.locator("#propose-button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    incentive = Incentive.objects.get()
    expect(page.locator(f"#incentive-{incentive.pk}")).to_contain_text("Proposed")

    # …and opens an improvement plan for agent_a2.
    page.goto("/performance/improvement-plans/")
    page.locator("#open-plan summary").click()
    plan_form = page.locator("#plan-form")
    plan_form.get_by_label("Agent").select_option(str(org.agent_a2.user_id))
    plan_form.get_by_label("Reason").fill("上月绩效总分 48 分")
    plan_form.get_by_label("Goals").fill("每日有效通话 40 通")
    plan_form.get_by_label("Due").fill((today + dt.timedelta(days=30)).isoformat())
    page.locator("#open-plan-button").click()
    plan = ImprovementPlan.objects.get()
    expect(page).to_have_url(re.compile(rf"/performance/improvement-plans/{plan.pk}/$"))
    expect(page.locator("#plan-status")).to_contain_text("Open")

    # The head approves the bonus.
    sign_out(page)
    signed_in(page, org.head, live_server)
    page.goto("/performance/incentives/")
    row = page.locator(f"#waiting-{incentive.pk}")
    expect(row).to_contain_text("月度销售额全组第一")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f"#waiting-{incentive.pk}")).to_have_count(0)
    expect(page.locator(f"#incentive-{incentive.pk}")).to_contain_text("Approved")

    # The agent sees the approved bonus.
    sign_out(page)
    signed_in(page, org.agent_a1, live_server)
    page.goto("/performance/incentives/")
    mine = page.locator(f"#incentive-{incentive.pk}")
    expect(mine).to_contain_text("Bonus")
    expect(mine).to_contain_text("800.00")
    expect(page.locator("#propose")).to_have_count(0)
    expect(page.locator("#waiting")).to_have_count(0)

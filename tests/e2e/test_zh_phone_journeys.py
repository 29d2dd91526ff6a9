"""In Chinese and on a phone, in a real browser (Debian's Chromium).

A team manager proposes an incentive in the Chinese UI: the month comes pre-filled in a
month picker (a Chinese-formatted date used to leave a required field empty). The pages an
agent and a manager live in (worklist, lead page, pool, my orders, team orders) are usable
at 390×844: the page never scrolls sideways, rows are readable cards, filters fold away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import LeadStatus
from performance.models import Incentive
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_journeys import PASSWORD
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(browser, live_server) -> Iterator:
    """`open_page(viewport)`: a Chinese page in a fresh browser context."""
    contexts = []

    def make(viewport: dict) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        expect.set_options(timeout=TIMEOUT_MS)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, member) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(member.user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#user-menu")).to_be_attached()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


def test_a_manager_proposes_an_incentive_in_chinese(open_page, org):
    page = open_page({"width": 1280, "height": 900})
    sign_in(page, org.manager_a)
    page.goto("/performance/incentives/")
    expect(page.locator("h1")).to_have_text("奖惩")
    page.locator("#propose summary").click()
    form = page.locator("#propose-form")
    month = form.locator("input[name=period_start]")
    expect(month).to_have_attribute("type", "month")
    expect(month).to_have_value(f"{timezone.localdate():%Y-%m}")  # pre-filled, not empty
    form.locator("select[name=agent]").select_option(str(org.agent_a1.user_id))
    form.locator("select[name=kind]").select_option("bonus")
    form.locator("input[name=amount]").fill("800")
    form.locator("textarea[name=reason]").fill("月度销售额全组第一")
    page.locator("#propose-button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    incentive = Incentive.objects.get()
    assert incentive.period_start == timezone.localdate().replace(day=1)
    expect(page.locator(f"#incentive-{incentive.pk}")).to_contain_text(
        f"{timezone.localdate():%Y-%m}"
    )


@pytest.fixture
def agents_day(org):
    now = timezone.now()
    due = LeadFactory(
        name="于女士",
        company="宜昌同创教育咨询有限公司",
        owner=org.agent_a1.user,
        team=org.team_a,
        status=LeadStatus.CONTACTED,
        next_followup_at=now - dt.timedelta(hours=2),
        product="云服务器",
    )
    pooled = LeadFactory(name="杨丹", team=org.team_a, region="江苏省南通市", grade="A")
    order = take_order(org.agent_a1)
    return {"due": due, "pooled": pooled, "order": order}


def test_the_agents_pages_fit_a_phone(open_page, org, agents_day):
    page = open_page(PHONE)
    sign_in(page, org.agent_a1)

    page.goto("/leads/")
    no_sideways_scroll(page)
    row = page.locator(f"#worklist-due tr[data-lead='{agents_day['due'].pk}']")
    expect(row.get_by_role("link", name="于女士")).to_be_visible()
    expect(page.locator("#worklist-due thead")).to_be_hidden()  # a card per lead…
    label = row.locator("td[data-label]").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"下次跟进"'  # …each value under its label
    expect(page.locator("#f-q")).to_be_visible()  # search stays at hand
    status = page.locator("#f-status")
    expect(status).to_be_hidden()  # the other filters fold away…
    page.locator(".filters-toggle").click()
    expect(status).to_be_visible()  # …and open on demand

    page.goto(f"/leads/{agents_day['due'].pk}/")
    no_sideways_scroll(page)
    expect(page.locator("#customer-card")).to_be_visible()
    expect(page.get_by_role("button", name="释放到公海")).to_be_visible()

    page.goto("/leads/pool/")
    no_sideways_scroll(page)
    pooled = page.locator(f"#pool-lead-{agents_day['pooled'].pk}")
    expect(pooled).to_contain_text("杨丹")
    expect(pooled.get_by_role("button", name="领取")).to_be_visible()
    expect(page.locator("#pool-filter")).to_be_hidden()
    page.locator(".filters-toggle").click()
    expect(page.locator("#pool-filter")).to_be_visible()

    page.goto("/orders/")
    no_sideways_scroll(page)
    order = page.locator(f"tr[data-order='{agents_day['order'].pk}']")
    expect(order.get_by_role("link", name=agents_day["order"].number)).to_be_visible()
    expect(page.locator("#order-filter")).to_be_hidden()


def test_team_orders_fit_a_phone(open_page, org, agents_day):
    page = open_page(PHONE)
    sign_in(page, org.manager_a)
    page.goto("/orders/team/")
    no_sideways_scroll(page)
    order = page.locator(f"#orders tr[data-order='{agents_day['order'].pk}']")
    expect(order.get_by_role("link", name=agents_day["order"].number)).to_be_visible()
    expect(order.locator("td[data-label='坐席']")).to_be_visible()
    page.locator(".filters-toggle").click()
    expect(page.locator("#order-filter select[name=status]")).to_be_visible()
    no_sideways_scroll(page)


def test_a_new_hire_is_told_to_finish_onboarding_on_a_phone(open_page, org):
    from crm.models import MemberStatus
    from tests.factories import make_member
    from tests.training.factories import OnboardingCourseFactory

    course = OnboardingCourseFactory(title="企业文化")
    hire = make_member(team=org.team_a, username="new_hire", status=MemberStatus.ONBOARDING)
    LeadFactory(team=org.team_a)
    page = open_page(PHONE)
    sign_in(page, hire)
    for path in ("/leads/", "/leads/pool/"):
        page.goto(path)
        no_sideways_scroll(page)
        notice = page.locator("#onboarding-notice")
        expect(notice).to_contain_text("你正在岗前培训中")
        expect(notice.get_by_role("link", name=course.title)).to_be_visible()  # via htmx
    expect(page.get_by_role("button", name="领取")).to_have_count(0)

"""What a user does in a real browser, against a live server: sign in, find their home,
move an agent with the htmx form, switch language, get locked out, sign out.

Each test gets a fresh browser context (no cookies) and a committed database
(`transactional_db`), because the live server answers from its own threads and connections.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from crm.models import Member

PASSWORD = "pass-word-123"  # tests.factories.make_member's password

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def sign_in(page: Page, member: Member, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(member.user.username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, member: Member, live_server) -> None:
    sign_in(page, member)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("#user-menu")).to_contain_text(member.display_name)


def nav_hrefs(page: Page) -> list[str]:
    return page.locator("#main-nav .navbar-nav.me-auto a.nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def test_agent_signs_in_and_sees_their_work(page: Page, live_server, org):
    agent = org.agent_a1
    signed_in(page, agent, live_server)

    expect(page.locator("#home-title")).to_have_text("My work")
    expect(page.locator("#my-team")).to_have_text(org.team_a.name)
    expect(page.get_by_text(agent.employee_no, exact=True)).to_be_visible()
    expect(page.locator("#user-menu .role-label")).to_have_text("Agent")

    # The nav is an agent's: their work, the pool, their orders and imports, their team,
    # revisits, tickets, training, their performance, the API docs;
    # no admin, no staff list.
    hrefs = nav_hrefs(page)
    assert hrefs == [
        "/",
        "/leads/",
        "/calling/",
        "/leads/pool/",
        "/orders/",
        "/customers/",
        "/orders/receivables/",
        "/leads/imports/",
        "/org/",
        "/service/revisits/",
        "/service/tickets/",
        "/training/",
        "/performance/",
        "/api/docs/",
    ], hrefs
    nav = page.locator("#main-nav")
    for label in ("Settings", "Staff", "Organization"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    expect(page.locator("a[href^='/admin/']")).to_have_count(0)

    # And the admin site itself is closed to them.
    page.goto("/org/members/new/")
    expect(page.get_by_text("Your role does not allow this action.")).to_be_visible()


def test_team_manager_sees_their_team_and_only_their_team(page: Page, live_server, org):
    signed_in(page, org.manager_a, live_server)

    expect(page.locator("#home-title")).to_contain_text("My team")
    expect(page.locator("#home-title")).to_contain_text(org.team_a.name)
    table = page.locator("#team-members")
    expect(table).to_be_visible()
    for agent in (org.agent_a1, org.agent_a2):
        row = table.locator("tbody tr", has_text=agent.employee_no)
        expect(row).to_have_count(1)
        expect(row.get_by_role("link", name=agent.display_name)).to_be_visible()
        expect(row).to_contain_text("Agent")
    # The manager themself is in the team; another team's agent is nowhere.
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).not_to_contain_text(org.agent_b1.employee_no)
    expect(table).not_to_contain_text(org.agent_b1.display_name)
    expect(page.locator("body")).not_to_contain_text(org.agent_c1.display_name)

    nav = page.locator("#main-nav")
    expect(nav.get_by_role("link", name="Team members")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)

    # Another team's agent's page does not exist for them.
    page.goto(f"/org/members/{org.agent_b1.pk}/")
    expect(page.get_by_text("This page does not exist, or you may not see it.")).to_be_visible()


def test_admin_moves_an_agent_to_another_team(page: Page, live_server, org):
    agent = org.agent_a1
    signed_in(page, org.admin, live_server)
    expect(page.locator("#home-title")).to_have_text("Settings")

    page.locator("#main-nav").get_by_role("link", name="Organization").click()
    expect(page).to_have_url(f"{live_server.url}/org/")
    tree = page.locator("#org-tree")
    for department in (org.center, org.east, org.south):
        expect(tree).to_contain_text(department.name)
    team_a = tree.locator(f"li.team[data-team='{org.team_a.pk}']")
    team_b = tree.locator(f"li.team[data-team='{org.team_b.pk}']")
    team_c = tree.locator(f"li.team[data-team='{org.team_c.pk}']")
    # Headcount / target: a manager and two agents in A, a manager and one agent in B and C.
    expect(team_a.locator("summary")).to_contain_text(org.team_a.name)
    expect(team_a.locator(".headcount")).to_have_text("3 / 12")
    expect(team_b.locator(".headcount")).to_have_text("2 / 12")
    expect(team_c.locator(".headcount")).to_have_text("2 / 12")

    # Open team A and the agent's page.
    team_a.locator("summary").click()
    team_a.get_by_role("link", name=agent.display_name).click()
    expect(page).to_have_url(f"{live_server.url}/org/members/{agent.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(agent.display_name)
    expect(page.locator("#member-team")).to_have_text(org.team_a.name)
    expect(page.locator("#membership-history tbody tr")).to_have_count(1)

    # Move with the htmx form: the server answers HX-Redirect and the page reloads.
    form = page.locator("#move-form")
    form.get_by_label("new team").select_option(str(org.team_b.pk))
    form.get_by_label("reason").fill("Backing up team B")
    with page.expect_response(re.compile(rf"/org/members/{agent.pk}/move/$")) as answer:
        form.get_by_role("button", name="Move").click()
    assert answer.value.status == 200
    assert answer.value.headers.get("hx-redirect") == f"/org/members/{agent.pk}/"

    expect(page.locator("#member-team")).to_have_text(org.team_b.name)
    expect(page.get_by_role("alert").filter(has_text="Saved.")).to_be_visible()
    rows = page.locator("#membership-history tbody tr")
    expect(rows).to_have_count(2)
    # Newest first: the open membership in B (with its reason), then the closed one in A.
    expect(rows.nth(0)).to_contain_text(org.team_b.name)
    expect(rows.nth(0)).to_contain_text("now")
    expect(rows.nth(0)).to_contain_text("Backing up team B")
    expect(rows.nth(1)).to_contain_text(org.team_a.name)
    expect(rows.nth(1)).not_to_contain_text("now")

    # The org tree counts the agent in their new team.
    page.goto("/org/")
    expect(team_a.locator(".headcount")).to_have_text("2 / 12")
    expect(team_b.locator(".headcount")).to_have_text("3 / 12")


def test_language_switch_to_simplified_chinese_and_back(page: Page, live_server, org):
    signed_in(page, org.agent_a1, live_server)
    html = page.locator("html")
    language = page.locator("#language-form select[name='language']")
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")

    with page.expect_navigation():
        language.select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(language).to_have_value("zh-hans")
    expect(page.locator("#home-title")).to_be_visible()  # still the agent's home
    # The choice sticks to the browser, page after page.
    page.goto("/org/")
    expect(html).to_have_attribute("lang", "zh-hans")

    with page.expect_navigation():
        language.select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")
    expect(page).to_have_url(f"{live_server.url}/org/")  # back where they were
    page.goto("/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#home-title")).to_have_text("My work")


def test_repeated_wrong_passwords_lock_the_account(page: Page, live_server, org, settings):
    agent = org.agent_a2
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for attempt in range(1, limit + 1):
        sign_in(page, agent, password=f"wrong-password-{attempt}")
        if attempt < limit:
            expect(page.get_by_role("alert")).to_contain_text(
                "Please enter a correct username and password"
            )
        else:
            expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()

    # Now even the right password is refused with the lock-out page, and nobody is signed in.
    sign_in(page, agent)
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("locked")
    expect(page.locator("#user-menu")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    # Someone else from the same address is not locked out.
    signed_in(page, org.agent_a1, live_server)
    expect(page.locator("#home-title")).to_have_text("My work")


def test_sign_out_from_the_user_menu(page: Page, live_server, org):
    signed_in(page, org.manager_a, live_server)

    logout = page.locator("#logout-button")
    expect(logout).to_be_hidden()  # inside the closed dropdown
    page.locator("#user-menu").click()
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)
    # The session is gone: home sends them back to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

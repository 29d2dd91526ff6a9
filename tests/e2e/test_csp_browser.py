"""The Content-Security-Policy in a real browser (issue 20, item 7): every page, as every
role, on the demo center, and not one violation.

Chromium reports each thing the policy blocks twice: a `securitypolicyviolation` event in
the page (an init script keeps them in `window.__cspViolations`) and a console message
naming the Content Security Policy; both are collected. Which pages: every URL that
reverses without arguments (the URL resolvers, so a new page is in the sweep the day it is
added), then every page those link to, one per shape (`/leads/{n}/`), so detail pages of
the demo's leads, orders, tickets, people… are in it too. The admin site is visited at its
own argument-free URLs (index, lists, add forms) but not crawled. Exports are not opened
(each is a logged, queued job; they answer files, not pages).

Each role signs in by session cookie (`Client.force_login`): the sign-in form itself is
swept signed out, with the other public pages.
"""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from crm import demo
from crm.models import Member
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.usefixtures("transactional_db")

# The demo's logins (README): one per role.
ROLES = ("agent01", "manager1", "head", "inspector", "admin")

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""
# Pages whose content htmx loads after the page itself: wait for it to arrive.
LATE_CONTENT = "[hx-trigger*='load'], [hx-trigger*='revealed'], [hx-trigger*='toggle']"
# Not pages: probes, metrics, the machine-readable schema; POST-only doors; fragments htmx
# polls into a page (the header's state control, the wallboard's live table), swept
# inside the pages that load them.
NOT_PAGES = re.compile(
    r"^/(healthz|readyz|metrics|api/schema/|i18n/|accounts/logout/"
    r"|calling/state/|performance/wallboard/live/)"
)
# Downloads and jobs, not pages (each export is logged and may queue work).
NOT_OPENED = re.compile(r"export|download|/materials/\d+/file")
# Each admin model's pages are Django's own (CSP-clean since 4.x): visited, not crawled.
ADMIN = "/admin/"
# The 404 page.
MISSING = "/no-such-page/"
# Enough for every shape of page a role reaches, with room to grow; a crawl that hits it
# is reported rather than silently cut.
MAX_PAGES_PER_ROLE = 400


def argument_free_urls() -> list[str]:
    """Every named URL that reverses without arguments (namespaces included)."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = pattern.namespace
                walk(pattern.url_patterns, f"{prefix}{namespace}:" if namespace else prefix)
            elif pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    urls = set()
    for name in names:
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue
    return sorted(url for url in urls if not NOT_PAGES.match(url) and not NOT_OPENED.search(url))


def shape(path: str) -> str:
    """`/leads/123/edit/` and `/leads/456/edit/` are one page to check: `/leads/{n}/edit/`."""
    return re.sub(r"/\d+(?=/|$)", "/{n}", path)


class Sweep:
    """One browser context (one person) going through pages and noting what was blocked."""

    def __init__(self, browser, base_url: str, session_cookie: str | None):
        self.base_url = base_url
        self.context = browser.new_context(
            base_url=base_url,
            locale="en-US",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        if session_cookie:
            self.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": base_url}]
            )
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.found: dict[str, list[str]] = {}
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._note(f"script error: {error}"))
        self.visited: list[str] = []

    def _note(self, text: str) -> None:
        path = urlsplit(self.page.url).path or "?"
        self.found.setdefault(path, []).append(text)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self._note(f"console: {text}")

    def visit(self, url: str) -> list[str]:
        """Open the page, let htmx load what it loads late, note violations; answer the
        same-origin links on it."""
        for attempt in (1, 2, 3):
            try:
                self.page.goto(url, wait_until="load")
                break
            except Exception as error:
                # A file (an export, a schema), or an empty error answer (405 on a POST-only
                # door) that Chromium shows as its own error page: nothing of ours to check.
                if "Download is starting" in str(error) or "ERR_HTTP_RESPONSE_CODE" in str(error):
                    return []
                # The previous page's last navigation (Chromium's error page for an empty
                # answer, a redirect) still arriving: this once, again.
                if attempt < 3 and "interrupted by another navigation" in str(error):
                    self.page.wait_for_timeout(500)
                    continue
                raise
        self.visited.append(url)
        if self.page.locator(LATE_CONTENT).count():
            self.page.wait_for_load_state("networkidle")
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self._note(f"event: {violation}")
        if not urlsplit(self.page.url).path.startswith(urlsplit(url).path.split("?")[0]):
            return []  # redirected elsewhere (sign-in, home): its links are not this page's
        return self.page.locator("a[href]:not([download])").evaluate_all(
            "links => links.map(a => a.href)"
        )

    def crawl(self, start: list[str]) -> None:
        queue = deque(start)
        seen = {shape(url) for url in start}
        while queue:
            assert len(self.visited) < MAX_PAGES_PER_ROLE, (
                f"more than {MAX_PAGES_PER_ROLE} page shapes: raise the cap if that is right"
            )
            for link in self.visit(queue.popleft()):
                parts = urlsplit(link)
                if f"{parts.scheme}://{parts.netloc}" != self.base_url:
                    continue
                path = parts.path
                if (
                    path.startswith(ADMIN)
                    or NOT_PAGES.match(path)
                    or NOT_OPENED.search(path)
                    or shape(path) in seen
                ):
                    continue
                seen.add(shape(path))
                queue.append(path + (f"?{parts.query}" if parts.query else ""))

    def close(self) -> None:
        self.context.close()


def session_of(username: str) -> str:
    client = Client()
    client.force_login(Member.objects.get(user__username=username).user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def demo_center(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    assert demo.is_seeded()


def report(found: dict[str, list[str]]) -> str:
    """Each page with what was blocked on it, each kind once (with how many times)."""
    lines = []
    for path, texts in found.items():
        lines.append(path)
        for text in dict.fromkeys(texts):
            times = texts.count(text)
            lines.append(f"    {text[:300]}" + (f" (×{times})" if times > 1 else ""))
    return "\n".join(lines)


def test_no_page_breaks_the_policy_for_any_role(browser, live_server, demo_center):
    """Signed out, then as agent, team manager, department head, inspector and admin:
    every page each can open, with its late htmx content, and not one violation."""
    pages = argument_free_urls()
    assert "/" in pages and reverse("performance:turnover") in pages
    # POST-only doors answer GET with an empty 405, which Chromium replaces by its own
    # error page: nothing of ours to check there.
    admin = Client()
    admin.force_login(Member.objects.get(user__username="admin").user)
    pages = [url for url in pages if admin.get(url).status_code != 405]
    # The admin site's pages for the admin; the others are sent to its sign-in page once.
    staff_pages = [url for url in pages if not url.startswith(ADMIN)] + [ADMIN, MISSING]
    found: dict[str, dict[str, list[str]]] = {}
    visited: dict[str, int] = {}
    for who in ("signed out", *ROLES):
        if who == "signed out":
            start = [reverse("login"), ADMIN, MISSING, reverse("api-docs")]
        else:
            start = [*pages, MISSING] if who == "admin" else staff_pages
        sweep = Sweep(browser, live_server.url, None if who == "signed out" else session_of(who))
        try:
            sweep.crawl(start)
            # Bootstrap's menus place themselves (Popper) through the DOM, not style="".
            if who != "signed out":
                sweep.visit("/")
                sweep.page.locator("#user-menu").click()
                sweep.page.locator("#notifications-menu").click()
                for violation in sweep.page.evaluate("window.__cspViolations || []"):
                    sweep._note(f"event: {violation}")
        finally:
            sweep.close()
        visited[who] = len(sweep.visited)
        if sweep.found:
            found[who] = sweep.found
    assert not found, "\n".join(f"== {who} ==\n{report(paths)}" for who, paths in found.items())
    # The sweep did reach the pages: each role its whole menu and the demo's detail pages.
    assert visited["signed out"] >= 3, visited
    assert all(visited[who] > 40 for who in ROLES), visited


# --- what moved out of inline script still works ---------------------------------------------


def signed_in_page(browser, live_server, member: Member) -> Sweep:
    client = Client()
    client.force_login(member.user)
    return Sweep(browser, live_server.url, client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_language_menu_switches_on_choosing(browser, live_server, org):
    """It used to submit from an onchange attribute; crm.js does it now."""
    sweep = signed_in_page(browser, live_server, org.agent_a1)
    try:
        sweep.visit("/")
        assert sweep.page.locator("html").get_attribute("lang") == "en"
        with sweep.page.expect_navigation():
            sweep.page.locator("select[name=language]").select_option("zh-hans")
        assert sweep.page.locator("html").get_attribute("lang") == "zh-hans"
        assert urlsplit(sweep.page.url).path == "/"
        sweep.visit("/")
        assert not sweep.found, report(sweep.found)
    finally:
        sweep.close()


def test_taking_a_number_off_the_list_asks_first(browser, live_server, org):
    """The question used to be an onsubmit attribute: Cancel keeps the number, OK removes it."""
    from risk.models import DoNotCall
    from risk.services import do_not_call_add

    do_not_call_add(phone="13800138000", reason="投诉", by=org.admin.user)
    sweep = signed_in_page(browser, live_server, org.admin)
    questions = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    try:
        sweep.visit(reverse("leads:dnc_list"))
        remove = sweep.page.locator("#dnc-table button[type=submit]")
        sweep.page.once("dialog", lambda dialog: answer(dialog, accept=False))
        remove.click()
        sweep.page.wait_for_timeout(300)
        assert questions == ["Take this number off the list?"]
        assert urlsplit(sweep.page.url).path == reverse("leads:dnc_list")
        assert DoNotCall.objects.filter(phone="+8613800138000").exists()

        sweep.page.once("dialog", lambda dialog: answer(dialog, accept=True))
        with sweep.page.expect_navigation():
            remove.click()
        assert len(questions) == 2
        assert not DoNotCall.objects.filter(phone="+8613800138000").exists()
        assert not sweep.found, report(sweep.found)
    finally:
        sweep.close()


def test_cancel_on_a_form_goes_back_a_page(browser, live_server, org):
    """Cancel used to be a javascript: link; it is a link home that crm.js turns into
    "back" when the page was reached from one of ours."""
    sweep = signed_in_page(browser, live_server, org.admin)
    try:
        sweep.visit(reverse("org:tree"))
        with sweep.page.expect_navigation():
            sweep.page.get_by_role("link", name="New department").click()
        assert urlsplit(sweep.page.url).path == reverse("org:department_create")
        with sweep.page.expect_navigation():
            sweep.page.get_by_role("link", name="Cancel").click()
        assert urlsplit(sweep.page.url).path == reverse("org:tree")
        # Opened straight, with nothing of ours to go back to, it is a plain link home.
        sweep.visit(reverse("org:department_create"))
        with sweep.page.expect_navigation():
            sweep.page.get_by_role("link", name="Cancel").click()
        assert urlsplit(sweep.page.url).path == "/"
        assert not sweep.found, report(sweep.found)
    finally:
        sweep.close()


def test_the_turnover_chart_is_drawn_from_its_data(browser, live_server, demo_center):
    """The chart's script was inline on the page; it is a static file reading the page's
    JSON now, and draws one line per department or team."""
    sweep = signed_in_page(browser, live_server, Member.objects.get(user__username="head"))
    try:
        sweep.visit(reverse("performance:turnover"))
        lines = sweep.page.evaluate(
            """() => {
              const canvas = document.getElementById("attrition-chart");
              const chart = window.Chart && Chart.getChart(canvas);
              return chart ? chart.data.datasets.length : -1;
            }"""
        )
        assert lines >= 1
        # And its bars are classes, in 5 % steps.
        widths = sweep.page.locator("#turnover-teams .minibar > .minibar").evaluate_all(
            "bars => bars.map(bar => bar.className)"
        )
        assert widths and all(re.search(r"\bpct-\d+\b", name) for name in widths), widths
        assert not sweep.found, report(sweep.found)
    finally:
        sweep.close()


def test_the_api_docs_render_under_the_policy(browser, live_server, org):
    """Swagger UI with its start-up script at a URL of its own: the operations are listed,
    and nothing was blocked on the way."""
    sweep = signed_in_page(browser, live_server, org.agent_a1)
    try:
        sweep.visit(reverse("api-docs"))
        operations = sweep.page.locator(".opblock-summary")
        operations.first.wait_for()
        assert operations.count() > 0
        assert not sweep.found, report(sweep.found)
    finally:
        sweep.close()

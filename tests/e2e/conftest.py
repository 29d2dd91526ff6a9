"""Real-browser fixtures: one headless Chromium per session, a fresh context per test.

The browser is Debian's Chromium (`/usr/bin/chromium`), driven by Playwright's sync API;
Playwright's own browser downloads are never used. Without that binary the journeys are
skipped on a workstation and fail in CI (`CI=true`), where a skipped suite would hide that
nothing was tested.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import unavailable

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous for a loaded 2-core CI runner, short enough that a broken page fails quickly.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, live_server, tmp_path):
    """A page in a new browser context (own cookies), pointed at the live server.

    English and Shanghai time, whatever the machine's locale: the language a user sees
    follows the browser's Accept-Language until they pick one.
    """
    from playwright.sync_api import expect

    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"\nScreenshot of the failed page ({page.url}): {shot}")
            except Exception as error:  # best effort: never mask the failure itself
                print(f"\nNo screenshot: {error}")
        context.close()


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: a real-browser journey against a live server")

"""The Content-Security-Policy (issue 20, item 7): every answer carries a strict policy,
and nothing the app writes needs it loosened: no inline script, no style or on* attribute,
no javascript: link. The real check is the browser sweep (test_csp_browser.py); these are
the quick ones that name the file and line of a new hole.
"""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from crm.templatetags.crm_tags import pct_class

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"
ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response[HEADER]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict(response) -> None:
    assert HEADER in response, f"no {HEADER} header"
    policy = response[HEADER]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy
    assert "*" not in policy.split(), policy
    found = directives(response)
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]
    assert found["img-src"] == ["'self'", "data:"]
    assert found["font-src"] == ["'self'"]
    assert found["connect-src"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["base-uri"] == ["'self'"]
    assert found["object-src"] == ["'none'"]


# --- the header ------------------------------------------------------------------------------


def test_the_sign_in_page_carries_the_strict_policy(client):
    assert_strict(client.get(reverse("login")))


@pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector", "admin"])
def test_every_role_home_carries_the_strict_policy(client, org, role):
    client.force_login(getattr(org, role).user)
    response = client.get("/")
    assert response.status_code == 200
    assert_strict(response)


def test_error_pages_and_redirects_carry_it_too(client, org):
    client.force_login(org.agent_a1.user)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict(missing)
    refused = client.get(reverse("org:member_create"))
    assert refused.status_code == 403
    assert_strict(refused)


def test_the_api_docs_need_no_exception(client, org, settings):
    """Swagger UI's start-up script is a URL of its own, its stylesheet a file: the docs
    page runs under the site's policy unchanged."""
    settings.API_SCHEMA_PUBLIC = False
    client.force_login(org.agent_a1.user)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert_strict(page)
    html = page.content.decode()
    assert not STYLE_BLOCK.search(html)
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts), scripts
    start_up = client.get(reverse("api-docs") + "?script=")
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    script = start_up.content.decode()
    assert "SwaggerUIBundle(" in script
    # Not Swagger's default of a badge from validator.swagger.io (img-src 'self').
    assert '"validatorUrl": null' in script


# --- what the templates write ----------------------------------------------------------------

# Anything the policy refuses, as it appears in a template or in Python that writes HTML.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""")
STYLE_BLOCK = re.compile(r"<style\b")
HANDLER_ATTRIBUTE = re.compile(r"""\son[a-z]+\s*=\s*["']""")
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
HOLES = {
    "inline <script>": INLINE_SCRIPT,
    "style attribute": STYLE_ATTRIBUTE,
    "<style> block": STYLE_BLOCK,
    "on* handler attribute": HANDLER_ATTRIBUTE,
    "javascript: URL": JAVASCRIPT_URL,
}


def written_html_sources() -> list[Path]:
    """Every template, and every Python module that can write markup (template tags,
    widgets, admin customizations: whatever calls format_html or mark_safe)."""
    sources = sorted((ROOT / "templates").rglob("*.html"))
    for app in ("crm", "leads", "orders", "aftersales", "performance", "training", "risk"):
        for module in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in module.parts:
                continue
            text = module.read_text(encoding="utf-8")
            if "format_html" in text or "mark_safe" in text or "templatetags" in module.parts:
                sources.append(module)
    return sources


def test_nothing_written_needs_unsafe_inline():
    found = []
    for source in written_html_sources():
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            for hole, pattern in HOLES.items():
                if pattern.search(line):
                    found.append(f"{source.relative_to(ROOT)}:{number}: {hole}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_scan_recognises_each_hole():
    """The scan is only as good as its patterns: each one catches what it is named for
    (the turnover page's old inline chart script among them) and lets the allowed forms be."""
    assert INLINE_SCRIPT.search("<script>")
    assert INLINE_SCRIPT.search('<script type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/js/crm.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script id="d" type="application/json">')
    assert STYLE_ATTRIBUTE.search('<div class="bar" style="width: 40%">')
    assert not STYLE_ATTRIBUTE.search('<div class="bar" data-style="x">')
    assert HANDLER_ATTRIBUTE.search('<form onsubmit="return confirm(1)">')
    assert HANDLER_ATTRIBUTE.search("<select onchange='this.form.submit()'>")
    assert not HANDLER_ATTRIBUTE.search('<select data-autosubmit name="language">')
    assert JAVASCRIPT_URL.search('<a href="javascript:history.back()">')
    assert STYLE_BLOCK.search("<style>body{}</style>")


# --- what replaced the style attributes -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "css_class"),
    [
        (0, "pct-0"),
        (2.4, "pct-0"),
        (2.5, "pct-5"),
        ("37", "pct-35"),
        (38, "pct-40"),
        (100, "pct-100"),
        (150, "pct-100"),
        (-12, "pct-0"),
        (None, "pct-0"),
        ("", "pct-0"),
        ("n/a", "pct-0"),
        (float("nan"), "pct-0"),
    ],
)
def test_a_percentage_becomes_a_width_class(value, css_class):
    assert pct_class(value) == css_class


def test_every_width_class_is_in_the_stylesheet():
    css = (ROOT / "static" / "css" / "crm.css").read_text(encoding="utf-8")
    for percent in range(0, 101, 5):
        assert f".pct-{percent} {{ width: {percent}%; }}" in css


def test_the_turnover_page_carries_its_chart_data_not_a_script(client, org):
    client.force_login(org.head.user)
    response = client.get(reverse("performance:turnover"))
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    assert '<script id="attrition-data" type="application/json">' in html
    assert not INLINE_SCRIPT.search(html)
    assert "js/turnover-chart.js" in html
    assert not STYLE_ATTRIBUTE.search(html)


def test_base_page_tells_htmx_to_keep_within_the_policy(client, org):
    client.force_login(org.agent_a1.user)
    html = client.get("/").content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false}\'>' in html
    )
    assert "js/crm.js" in html
    assert 'name="language"' in html and "data-autosubmit" in html


def test_the_browsable_api_is_allowed_only_drf_s_own_style_attributes(client, org):
    """DRF's HTML pages write a few fixed style attributes (float a menu right…): those,
    by hash, and nothing else; no script exception, and JSON answers get the plain policy."""
    client.force_login(org.agent_a1.user)
    page = client.get("/api/leads/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    policy = page[HEADER]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    found = directives(page)
    assert found["script-src"] == ["'self'"] and found["style-src"] == ["'self'"]
    allowed = found["style-src-attr"]
    assert allowed[0] == "'unsafe-hashes'" and len(allowed) > 1
    assert all(word.startswith("'sha256-") for word in allowed[1:])
    # Each style attribute the page carries is one of them, and there is no style element.
    html = page.content.decode()
    assert not STYLE_BLOCK.search(html) and not INLINE_SCRIPT.search(html)
    for value in set(re.findall(r'\sstyle="([^"]*)"', html)):
        digest = base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, value
    assert_strict(client.get("/api/leads/", HTTP_ACCEPT="application/json"))

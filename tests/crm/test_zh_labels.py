"""Chinese all the way: every page, as every role, in zh_Hans, shows no built-in English.

On the demo center, each role walks the site: every page of the URL conf that takes no
argument, then one page per URL name found in the links of what it has seen (so pages
with an id get a real one of the demo's). The visible text of each page (and the
downloads among them) must contain none of the built-in indicators' English names,
families or units, and no coded value where words belong (`status=new`, a bare `leads`).
`tests/crm/test_translations.py` checks the catalogs; this checks what reaches the screen.
"""

from __future__ import annotations

import html
import re
from collections import deque

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)

from leads.models import Channel, LeadStatus
from performance.labels import BUILTIN_NAMES
from performance.models import Family, Level, Unit
from tests.performance.factories import default_indicators

pytestmark = pytest.mark.django_db

# Demo logins, one per role (agent35 is a new hire in onboarding).
USERS = ("admin", "head", "inspector", "manager1", "agent01", "agent35")
# Pages (by URL name) walked per role beyond the argument-less ones.
PAGES_PER_ROLE = 120
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/accounts/logout")
# Pages that act or are not pages (a GET that signs out, downloads of uploaded files).
SKIP_NAMES = {"logout", "material_download", "metrics", "healthz", "readyz"}

ENGLISH = sorted(
    {english for english, _label in BUILTIN_NAMES.values()}
    | {str(label) for _value, label in Family.choices}
    | {str(label) for _value, label in Unit.choices},
    key=len,
    reverse=True,
)
# Words that are also plain English UI words: only flagged as a whole cell or line.
SHORT = {"Orders", "Calls", "Complaints", "Sales", "Count", "Score", "Percent", "Minutes"}
CODES = re.compile(r"\b(status|channel|kind|grade)=\w+|\d min\b")

# Coded values that a download must write as words.
CODED_VALUES = {
    value for choices in (Channel, LeadStatus, Level) for value, _label in choices.choices
}

SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
COMMENT = re.compile(r"<!--.*?-->", re.S)
TAG = re.compile(r"<[^>]+>")
HREF = re.compile(r'href="([^"#?]*)')


def visible_text(body: str) -> str:
    text = TAG.sub("\n", COMMENT.sub("", SCRIPT.sub("", body)))
    return html.unescape(text)


def english_in(text: str) -> list[str]:
    lines = [line.strip() for line in re.split(r"[\n,]", text)]
    found = []
    for word in ENGLISH:
        if word in SHORT:
            if word in lines:
                found.append(word)
        elif re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text):
            found.append(word)
    found += [match.group(0) for match in CODES.finditer(text)]
    found += re.findall(r"^code:\w+$", text, re.M)
    return found


def coded_cells(csv_text: str) -> list[str]:
    cells = [cell.strip() for line in csv_text.splitlines() for cell in line.split(",")]
    return [cell for cell in cells if cell in CODED_VALUES]


def argument_free_urls() -> list[str]:
    urls = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                try:
                    urls.append(reverse(f"{namespace}{pattern.name}"))
                except NoReverseMatch:
                    continue  # takes arguments: found through the links instead

    walk(get_resolver().url_patterns)
    return urls


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def walk_as(client, username: str) -> dict[str, list[str]]:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    queue = deque(argument_free_urls())
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    problems: dict[str, list[str]] = {}
    while queue and len(seen_names) < PAGES_PER_ROLE:
        path = queue.popleft()
        if path in seen_paths or path.startswith(SKIP_PREFIXES):
            continue
        seen_paths.add(path)
        name = url_name(path)
        if name is None or name in seen_names or name.split(":")[-1] in SKIP_NAMES:
            continue
        seen_names.add(name)
        response = client.get(path)
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or not ("html" in kind or "csv" in kind):
            continue
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8", "replace")
        if "html" in kind:
            for link in HREF.findall(body):
                if link.startswith("/") and link not in seen_paths:
                    queue.append(link)
            body = visible_text(body)
        else:
            body += "\n" + "\n".join(f"code:{cell}" for cell in coded_cells(body))
        found = english_in(body)
        if found:
            problems[path] = found
    return problems


@pytest.fixture
def demo():
    default_indicators()  # a transactional test before may have emptied the table
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_no_built_in_english_on_any_page_for_any_role(client, demo):
    problems = {}
    for username in USERS:
        for path, found in walk_as(client, username).items():
            problems[f"{username} {path}"] = found
        client.logout()
    assert not problems, "English built-in labels or codes on zh_Hans pages:\n" + "\n".join(
        f"{where}: {', '.join(found)}" for where, found in sorted(problems.items())
    )


def test_the_checks_would_find_english():
    assert english_in("销售额\nConversion rate\n") == ["Conversion rate"]
    assert english_in("x\nOrders\n") == ["Orders"]
    assert english_in("My Orders page") == []
    assert english_in("状态 = 新线索 · kind=leads") == ["kind=leads"]
    assert visible_text('<a title="Sales amount">销售额</a><script>"Calls"</script>') == (
        "\n销售额\n"
    )
    assert coded_cells("1,新线索,网页表单\r\n2,new,advertising\r\n") == ["new", "advertising"]

"""Searching leads by phone when numbers are masked (issue 20, item 1).

Given an agent who sees her lead as `136****5635`, when she adds one digit at a time to
the last four she knows and watches whether the lead stays in the results, then before
the fix she had the whole number in at most 40 searches with no reveal logged. Now a
search finds a lead by its whole number or by what the mask already shows, and no other
run of digits narrows the results, on the worklist page and in the API alike.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.access import visible_leads
from leads.models import Lead
from leads.selectors.leads import search_leads
from leads.selectors.team import team_leads
from risk.models import DoNotCall, PhoneReveal, RiskPolicy
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db

SECRET = "+8613612345635"  # shown as 136****5635
NAME = "目标客户"


@pytest.fixture
def target(org) -> Lead:
    return LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=SECRET, name=NAME)


def _page_finds(client, query: str) -> bool:
    response = client.get(reverse("leads:worklist"), {"q": query})
    assert response.status_code == 200
    return NAME in response.content.decode()


def _api_finds(client, query: str) -> bool:
    response = client.get("/api/leads/", {"q": query})
    assert response.status_code == 200, response.content
    return any(row["name"] == NAME for row in response.json()["results"])


def _recover(finds) -> tuple[str, int]:
    """The attack of the issue: extend the known last four one digit at a time to the
    left, keeping a digit when the lead is still found. Returns (the digits learned, the
    number of searches made)."""
    known, searches = "5635", 0
    for _position in range(4):
        for digit in "0123456789":
            searches += 1
            if finds(digit + known):
                known = digit + known
                break
        else:
            break
    return known, searches


@pytest.mark.parametrize("door", ["page", "api"])
def test_the_digit_by_digit_recovery_learns_nothing(client_as, api_as, org, target, door):
    if door == "page":
        client = client_as(org.agent_a1)

        def finds(query):
            return _page_finds(client, query)
    else:
        client = api_as(org.agent_a1)

        def finds(query):
            return _api_finds(client, query)

    known, searches = _recover(finds)
    assert known == "5635", f"{door}: recovered {known} in {searches} searches"
    assert searches == 10  # the first hidden digit is never confirmed
    assert not PhoneReveal.objects.exists()


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize(
    "query",
    [
        "13612345635",  # the whole number, as dialled
        "+86 136 1234 5635",
        "5635",  # the last four the mask shows
        "136",  # the prefix it shows
        "136****5635",  # the mask, copied from a list
        "136＊＊＊＊5635",
        "136*5635",
        "1365635",  # the mask typed without stars
        "****5635",
        "136****",
    ],
)
def test_what_the_mask_shows_and_the_whole_number_still_find_the_lead(
    client_as, api_as, org, target, door, query
):
    LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone="+8613712345635", name="别人")
    if door == "page":
        assert _page_finds(client_as(org.agent_a1), query)
    else:
        assert _api_finds(api_as(org.agent_a1), query)


@pytest.mark.parametrize(
    "query", ["45635", "345635", "1361", "13612", "1234", "12345635", "136***45635", "3612"]
)
def test_other_runs_of_digits_find_nothing(api_as, org, target, query):
    """`1234` is four digits: it is read as a last four (the lead ends in 5635), never as
    digits from the middle of the number."""
    assert not _api_finds(api_as(org.agent_a1), query)


def test_a_name_search_still_works(api_as, org, target):
    assert _api_finds(api_as(org.agent_a1), "目标")


def test_who_sees_full_numbers_keeps_searching_any_digits(api_as, org, target):
    assert _api_finds(api_as(org.admin), "2345")
    assert _api_finds(api_as(org.admin), "612345")
    policy = RiskPolicy.current()
    policy.full_number_roles = ["admin", "agent"]
    policy.save()
    assert _api_finds(api_as(org.agent_a1), "612345")


def test_a_short_number_is_not_searched_by_more_than_its_mask_shows(api_as, org):
    """A number of seven national digits or fewer shows two and two (`+2904123` →
    `29***23`): three or four of its digits would say more than that."""
    short = Lead.objects.create(phone="+2904123", name="短号")
    assert short.pk
    client = api_as(org.admin)
    policy = RiskPolicy.current()
    policy.full_number_roles = []
    policy.save()
    assert not _api_finds_named(client, "4123", "短号")
    assert not _api_finds_named(client, "290", "短号")


def _api_finds_named(client, query: str, name: str) -> bool:
    response = client.get("/api/leads/", {"q": query})
    assert response.status_code == 200, response.content
    return any(row["name"] == name for row in response.json()["results"])


def test_the_team_page_search_follows_the_same_rule(org, target):
    manager = org.manager_a.user
    assert list(team_leads(manager, filters={"q": "5635"})) == [target]
    assert list(team_leads(manager, filters={"q": "136****5635"})) == [target]
    assert list(team_leads(manager, filters={"q": "45635"})) == []


def test_the_do_not_call_list_follows_the_same_rule(api_as, org):
    DoNotCall.objects.create(phone=SECRET, reason="客户要求")
    head = api_as(org.head)

    def found(search: str) -> bool:
        response = head.get("/api/leads/do-not-call/", {"search": search})
        assert response.status_code == 200, response.content
        return bool(response.json()["results"])

    assert found("5635") and found("136****5635") and found("13612345635")
    assert found("客户")
    assert not found("45635")
    assert not found("2345")


@pytest.mark.parametrize("query", ["5635", "136****5635"])
def test_the_last_four_are_read_through_their_index(org, target, query):
    """A head searches the whole center: the last four are an index probe, not a scan."""
    if connection.vendor != "postgresql":
        unavailable("query plans are PostgreSQL's")
    head = org.head.user
    rows = search_leads(visible_leads(head), query, user=head)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO off")
        sql, params = rows.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "lead_phone_last_four" in plan, plan
    assert list(rows) == [target]


def test_a_search_page_keeps_a_constant_number_of_queries(api_as, org, target):
    client = api_as(org.agent_a1)
    _api_finds(client, "5635")  # the policy and the scope are cached after the first
    with CaptureQueriesContext(connection) as few:
        _api_finds(client, "5635")
    for k in range(5):
        LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=f"+86139{k:04d}5635")
    LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
    with CaptureQueriesContext(connection) as more:
        _api_finds(client, "5635")
    assert len(more) == len(few)


def test_masked_numbers_are_not_sorted_by_their_hidden_digits(api_as, org):
    """Sorting `136****5635` against `136****9635` would tell their middles apart."""
    older = DoNotCall.objects.create(phone="+8613699995635", reason="a")
    newer = DoNotCall.objects.create(phone="+8613600005635", reason="b")

    def order(member) -> list[int]:
        response = api_as(member).get("/api/leads/do-not-call/", {"ordering": "phone"})
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert order(org.admin) == [newer.pk, older.pk]  # by number: 0000 before 9999
    DoNotCall.objects.filter(pk=older.pk).update(added_at=newer.added_at.replace(year=2099))
    assert order(org.head) == [older.pk, newer.pk]  # newest first, whatever the numbers

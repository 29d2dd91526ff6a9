"""Fuzz the dashboard API (`/api/performance/dashboard/...`) from its OpenAPI schema.

Like the order API's run (tests/orders/test_api_fuzz.py; shared checks in tests/api_fuzz.py):
schemathesis generates valid and invalid queries (team ids, period kinds and starts) and
sends them in-process with the caller's token. For every answer:

* no server error; the status is documented or one of DRF's generic errors; bodies match;
* the scope holds: a team outside the caller's scope answers 404 (an agent 403 for any
  team board); a board shown is of a team the caller sees, and its leaderboard names
  only agents the caller sees; the caller's own board carries no other agent at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from crm import access
from crm.models import Role, Team
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.performance.factories import default_indicators
from tests.performance.test_dashboard_views import work_today

DASHBOARD_API = r"^/api/performance/dashboard/"

schema = load_schema(DASHBOARD_API)
HYPOTHESIS = hypothesis_settings(10)


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings, db):
    """Every view computes its figures (one test below checks the cache on purpose); the
    built-in indicators are there even after a transactional test emptied the tables."""
    settings.PERFORMANCE_DASHBOARD_CACHE_SECONDS = 0
    default_indicators()


ROLES = {
    "admin": "admin",
    "inspector": "inspector",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}


@dataclass
class Caller:
    role: str
    user: object
    headers: dict[str, str]
    team_ids: set[int] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)
    every_team: list[int] = field(default_factory=list)


@pytest.fixture
def dashboard_world(org):
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        work_today(member, n=1)


@pytest.fixture(params=list(ROLES))
def caller(request, org, dashboard_world):
    member = getattr(org, ROLES[request.param])
    user = member.user
    with wsgi_in_test_transaction():
        result = Caller(
            role=request.param,
            user=user,
            headers=token_headers(user),
            team_ids=set(access.visible_teams(user).values_list("pk", flat=True)),
            user_ids=set(access.visible_members(user).values_list("user_id", flat=True)),
            every_team=sorted(Team.objects.values_list("pk", flat=True)),
        )
        access.forget_scope(user)
        yield result


@schema.parametrize()
@HYPOTHESIS
def test_dashboard_api(case, caller):
    query = case.query if isinstance(case.query, dict) else {}
    if isinstance(query.get("team"), str) and query["team"].isascii() and query["team"].isdigit():
        query["team"] = int(query["team"])
    if "team" in query:
        query["team"] = real_id(query["team"], caller.every_team)
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    if case.method.upper() != "GET":
        assert response.status_code in (200, 405), (case.method, response.status_code)
        return  # read-only: OPTIONS describes the view, anything else is refused
    if response.status_code != 200 and not (
        response.status_code in (403, 404) and case.operation.path.endswith("/team/")
    ):
        assert response.status_code == 400, response.status_code
        return
    path = case.operation.path
    if path.endswith("/team/"):
        team = query.get("team")
        if caller.role == Role.AGENT:
            assert response.status_code == 403
            return
        if isinstance(team, int) and team not in caller.team_ids:
            assert response.status_code == 404, f"a {caller.role} opened team {team}"
            return
        assert response.status_code == 200
        body = response.json()
        assert body["team"]["id"] in caller.team_ids
        shown = {row["agent"] for row in body["leaderboard"]}
        assert shown <= caller.user_ids, f"a {caller.role} was shown agents {shown}"
    else:
        assert response.status_code == 200
        body = response.json()
        assert "leaderboard" not in body
        assert set(body) == {
            "period",
            "from_scorecard",
            "scorecard",
            "total",
            "rank",
            "rank_of",
            "today",
            "figures",
            "trend",
        }

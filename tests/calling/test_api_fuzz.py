"""Fuzz the calling floor's API and the wallboard's JSON from the OpenAPI schema.

schemathesis sends valid and invalid requests in-process with each role's token (shared
checks in tests/api_fuzz.py): no server error, documented statuses and bodies. The scope
holds: the state log lists only rows of users the caller sees; the wallboard is refused to
agents and inspectors and shows only teams the caller sees; only administrators write
pause codes.
"""

from __future__ import annotations

import pytest

from calling.models import AgentState
from calling.services.states import change_state
from crm import access
from crm.models import Team
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.calling.factories import default_pause_codes

schema = load_schema(r"^/api/(calling/(state|states|pause-codes)/|performance/wallboard/)")
HYPOTHESIS = hypothesis_settings(10)
ROLES = ("admin", "inspector", "south_head", "manager_a", "agent_a1")


@pytest.fixture(params=ROLES)
def caller(request, org):
    default_pause_codes()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        change_state(member.user, AgentState.READY)
    user = getattr(org, request.param).user
    with wsgi_in_test_transaction():
        yield {
            "role": request.param,
            "headers": token_headers(user),
            "teams": set(access.visible_teams(user).values_list("pk", flat=True)),
            "users": set(access.visible_members(user).values_list("user_id", flat=True))
            | {user.pk},
            "every_team": sorted(Team.objects.values_list("pk", flat=True)),
        }
        access.forget_scope(user)


@schema.parametrize()
@HYPOTHESIS
def test_calling_api(case, caller):
    query = case.query if isinstance(case.query, dict) else {}
    if "team" in query:
        query["team"] = real_id(query["team"], caller["every_team"])
    response = case.call(headers=caller["headers"])
    case.validate_response(response, checks=CHECKS, headers=caller["headers"])
    path, method = case.operation.path, case.method.upper()
    writes_codes = path.startswith("/api/calling/pause-codes/") and method in (
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    )
    if writes_codes and caller["role"] != "admin":
        assert response.status_code in (403, 404, 405), response.status_code
    if response.status_code != 200 or method != "GET":
        return
    body = response.json()
    if path == "/api/calling/states/":
        assert {row["user"] for row in body["results"]} <= caller["users"]
    if path == "/api/performance/wallboard/":
        assert caller["role"] not in ("agent_a1", "inspector")
        assert {team["team_id"] for team in body["teams"]} <= caller["teams"]

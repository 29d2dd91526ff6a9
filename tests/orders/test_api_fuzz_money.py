"""Fuzz the money reports' API (`/api/receivables/`, `/api/performance/channel-report/`)
from the OpenAPI schema, as every role: no server error, documented answers only, and the
scope holds (receivables list only agents the caller sees; agents get no channel report).
The order's payment and installment actions are fuzzed with the order API
(tests/orders/test_api_fuzz.py)."""

from __future__ import annotations

import pytest

from crm import access
from crm.models import Role
from orders.services import order_moves
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.orders.factories import take_order

schema = load_schema(r"^/api/(receivables/|performance/channel-report/)")
HYPOTHESIS = hypothesis_settings(15)
ROLES = {
    "admin": "admin",
    "inspector": "inspector",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}


@pytest.fixture(params=list(ROLES))
def caller(request, org):
    for member in (org.agent_a1, org.agent_b1, org.agent_c1):
        order_moves.order_confirm(order=take_order(member), by=member.user)
    member = getattr(org, ROLES[request.param])
    with wsgi_in_test_transaction():
        seen = set(access.visible_members(member.user).values_list("user_id", flat=True))
        access.forget_scope(member.user)
        yield request.param, token_headers(member.user), seen | {member.user.pk}


@schema.parametrize()
@HYPOTHESIS
def test_money_reports_api(case, caller):
    role, headers, seen = caller
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    if case.method.upper() != "GET":
        assert response.status_code in (200, 405), (case.method, response.status_code)
        return
    if case.operation.path.startswith("/api/performance/"):
        if role == Role.AGENT:
            assert response.status_code == 403
        else:
            assert response.status_code in (200, 400)
        return
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 200 and (case.query or {}).get("by", "agent") == "agent":
        keys = {row["key"] for row in response.json()}
        assert keys <= seen, f"a {role} was shown agents {keys - seen}"

"""Fuzz the scorecard API (`/api/performance/{indicators,weights,targets,scorecards,
quality-scores}/`) from its OpenAPI schema, like tests/orders/test_api_fuzz.py.

For every answer: no server error; a documented status (or DRF's generic errors) with a
documented body; and the scope holds — a scorecard, target or quality score outside the
caller's scope is absent from lists and answers 404; only admins change indicators and
weights; agents and inspectors set no targets; agents score nothing.
"""

from __future__ import annotations

import pytest

from crm import access
from crm.models import Department, Member, Role, Team
from leads.models import Call, FollowUp
from performance import access as performance_access
from performance.models import Indicator, QualityScore, Scorecard, Target
from performance.services.scorecards import recompute_scorecards
from tests.api_fuzz import (
    CHECKS,
    Caller,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.performance.factories import default_indicators

from .scorecard_data import MARCH, build_march

API = r"^/api/performance/(indicators|weights|targets|scorecards|quality-scores)/"

schema = load_schema(API)
schema_without_coverage = load_schema(API, coverage=False)

HYPOTHESIS_ADMIN = hypothesis_settings(6)
HYPOTHESIS_STAFF = hypothesis_settings(4)

ROLES = {
    "admin": "admin",
    "inspector": "inspector",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
ROWS = {
    "scorecards": (Scorecard, performance_access.visible_scorecards),
    "targets": (Target, performance_access.visible_targets),
    "quality-scores": (QualityScore, performance_access.visible_quality_scores),
}
FOREIGN_KEYS = {
    "agent": "users",
    "subject": "users",
    "scorer": "users",
    "team": "teams",
    "department": "departments",
    "followup": "followups",
    "call": "calls",
    "indicator": "indicators",
}


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


@pytest.fixture
def world(org):
    build_march(org)
    recompute_scorecards(period=MARCH)
    calls = Indicator.objects.get(code="calls")
    for member in (org.agent_a1, org.agent_b1, org.agent_c1):
        Target.objects.create(
            level="agent",
            agent=member.user,
            indicator=calls,
            period_kind="month",
            period_start=MARCH.start,
            value=10,
        )


def _caller(org, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    user = member.user
    sees_all = access.scope_of(user).sees_all
    ids = {
        "users": sorted(Member.objects.values_list("user_id", flat=True)),
        "teams": sorted(Team.objects.values_list("pk", flat=True)),
        "departments": sorted(Department.objects.values_list("pk", flat=True)),
        "followups": sorted(FollowUp.objects.values_list("pk", flat=True)),
        "calls": sorted(Call.objects.values_list("pk", flat=True)),
        "indicators": sorted(Indicator.objects.values_list("pk", flat=True)),
        "codes": sorted(Indicator.objects.values_list("code", flat=True)),
    }
    for name, (model, visible) in ROWS.items():
        mine = sorted(visible(user).values_list("pk", flat=True))
        ids[name] = mine * 2 + sorted(model.objects.values_list("pk", flat=True))
    ids["weights"] = ids["indicators"]
    access.forget_scope(user)
    return Caller(role=role, user=user, headers=token_headers(user), sees_all=sees_all, ids=ids)


@pytest.fixture
def admin_caller(org, world):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, world):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _map(value, name: str, caller: Caller):
    if name == "indicator" and isinstance(value, str):
        codes = caller.ids["codes"]
        return codes[len(value) % len(codes)] if len(value) % 3 else value
    if name in FOREIGN_KEYS and not isinstance(value, list | dict):
        return real_id(value, caller.ids[FOREIGN_KEYS[name]])
    return value


def _rows_of(path: str) -> str:
    return path.split("/")[3]


def exercise(case, caller: Caller) -> None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in values:
                values[name] = _map(values[name], name, caller)
    path = case.operation.path
    rows = _rows_of(path)
    params = case.path_parameters or {}
    path_id = None
    if "id" in params:
        params["id"] = real_id(params["id"], caller.ids.get(rows, caller.ids["indicators"]))
        if isinstance(params["id"], int) and 0 <= params["id"] < 2**63:
            path_id = params["id"]
    checked = rows in ROWS and path_id is not None
    if checked:
        model, visible = ROWS[rows]
        exists = model.objects.filter(pk=path_id).exists()
        is_visible = visible(caller.user).filter(pk=path_id).exists()
        access.forget_scope(caller.user)

    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)

    status = response.status_code
    method = case.method.upper()
    succeeded = 200 <= status < 300
    if succeeded and method != "GET":
        if rows in ("indicators", "weights"):
            assert caller.role == Role.ADMIN, f"a {caller.role} changed {rows}"
        if rows == "targets":
            assert caller.role not in (Role.AGENT, Role.INSPECTOR), f"a {caller.role} set a target"
        if rows == "quality-scores":
            assert caller.role != Role.AGENT, "an agent scored quality"
    if caller.sees_all or rows not in ROWS:
        return
    if checked and exists and not is_visible:
        assert status in ({404} if method == "GET" else {403, 404}), (
            f"a {caller.role} got {status} for {rows} {path_id} outside their scope"
        )
    if succeeded and method == "GET" and "{id}" not in path:
        model, visible = ROWS[rows]
        shown = set(listed_ids(response.json()))
        allowed = set(visible(caller.user).values_list("pk", flat=True))
        access.forget_scope(caller.user)
        assert shown <= allowed, f"a {caller.role} was shown {rows} {sorted(shown - allowed)}"


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_scorecard_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_scorecard_api_as_inspector_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

"""Fuzz the API from its own OpenAPI schema (`/api/schema/`), as each role.

Schemathesis generates requests for every operation of the org API (`ORG_API`), valid and
invalid, and sends them to the Django application in-process (WSGI) with the caller's API
token (token auth: no CSRF, so writes really reach the views). For every response:

* no server error (5xx), ever, including for writes (POST, PUT, PATCH, DELETE);
* the status code is documented, or is one of DRF's generic error answers (see
  `documented_or_api_error`: the schema documents successes only);
* a documented response has the documented content type and body;
* the scope holds: a row the caller may not see is absent from lists and answers 404, and
  nobody but an administrator changes the org.

Path ids are mostly mapped onto rows of the `org` fixture (some in the caller's scope, some
not), so detail operations reach real rows instead of 404ing on random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from crm import access
from crm.models import Department, Member, Role, Team, TeamMembership
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.factories import DepartmentFactory

# The org's part of the API, which the `org` fixture gives rows to. The leads API has its
# own fuzz run (tests/leads/test_api_fuzz.py) with rows of its own.
ORG_API = r"^/api/(auth/token|me|departments|teams|members|memberships)/"

# Every phase for an administrator, no coverage phase for the others (see `load_schema`).
schema = load_schema(ORG_API)
schema_without_coverage = load_schema(ORG_API, coverage=False)

# Fuzzed examples per operation and role (the coverage phase adds its own cases).
MAX_EXAMPLES = 20
HYPOTHESIS = hypothesis_settings(MAX_EXAMPLES)

RESOURCES = {
    "departments": Department,
    "teams": Team,
    "members": Member,
    "memberships": TeamMembership,
}
# Request fields that name a row, and which rows they name.
BODY_FOREIGN_KEYS = {
    "department": "departments",
    "parent": "departments",
    "team": "teams",
    "manager": "users",
    "head": "users",
}
ROLES = {
    "admin": "admin",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}


@dataclass
class Caller:
    role: str
    member: Member
    headers: dict[str, str]
    # The ids of each resource the caller may see (None: everything, as for an admin).
    visible: dict[str, set[int]] | None
    all_ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def admin_caller(org):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _caller(org, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    assert member.role == role
    user = member.user
    visible = None
    if not access.scope_of(user).sees_all:
        visible = {
            "departments": set(access.visible_departments(user).values_list("pk", flat=True)),
            "teams": set(access.visible_teams(user).values_list("pk", flat=True)),
            "members": set(access.visible_members(user).values_list("pk", flat=True)),
            "memberships": set(access.visible_memberships(user).values_list("pk", flat=True)),
        }
        # A scope that sees nothing, or everything, would make the checks below vacuous.
        for name, ids in visible.items():
            everything = set(RESOURCES[name].objects.values_list("pk", flat=True))
            assert ids and ids < everything, (role, name)
    access.forget_scope(user)
    return Caller(
        role=role,
        member=member,
        headers=token_headers(user),
        visible=visible,
        all_ids={
            **{
                name: sorted(model.objects.values_list("pk", flat=True))
                for name, model in RESOURCES.items()
            },
            "users": sorted(Member.objects.values_list("user_id", flat=True)),
        },
    )


def _resource(path: str) -> str | None:
    """`/api/members/{id}/move/` -> "members"; `/api/me/` -> None."""
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[1] in RESOURCES else None


def _map_ids(case, caller: Caller) -> int | None:
    """Point path ids and the foreign keys of bodies at real rows (in scope or not).

    Random integers would almost always miss, and the writes would stop at "not found"
    instead of reaching the services. Returns the id in the path, if any.
    """
    if isinstance(case.body, dict):
        for name, resource in BODY_FOREIGN_KEYS.items():
            if name in case.body:
                case.body[name] = real_id(case.body[name], caller.all_ids[resource])
    params = case.path_parameters or {}
    resource = _resource(case.operation.path)
    if resource is None or "id" not in params:
        return None
    params["id"] = real_id(params["id"], caller.all_ids[resource])
    return params["id"] if isinstance(params["id"], int) else None


def check_scope(case, response, caller: Caller, path_id: int | None) -> None:
    status = response.status_code
    method = case.method.upper()
    resource = _resource(case.operation.path)
    if resource is None:
        return
    if caller.role != Role.ADMIN and method not in ("GET", "HEAD", "OPTIONS"):
        assert not 200 <= status < 300, f"a {caller.role} changed the org: {method} -> {status}"
    if caller.visible is None or not 200 <= status < 300:
        return
    if path_id is not None:
        assert path_id in caller.visible[resource], (
            f"a {caller.role} reached {resource} {path_id} outside their scope"
        )
    if method == "GET":
        listed = "memberships" if case.operation.path.endswith("/memberships/") else resource
        hidden = set(listed_ids(response.json())) - caller.visible[listed]
        assert not hidden, f"a {caller.role} was shown {listed} {sorted(hidden)}"


def exercise(case, caller: Caller) -> None:
    path_id = _map_ids(case, caller)
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    check_scope(case, response, caller, path_id)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS
def test_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)


# --- the writes that must be refused, deterministically ------------------------------------


def test_deleting_a_department_with_children_or_teams_is_a_400(org, api_as):
    api = api_as(org.admin)
    for department in (org.center, org.east):  # sub-departments; teams
        response = api.delete(f"/api/departments/{department.pk}/")
        assert response.status_code == 400, response.content
        assert "non_field_errors" in response.json()
        assert Department.objects.filter(pk=department.pk).exists()
    empty = DepartmentFactory(name="empty", parent=org.south)
    assert api.delete(f"/api/departments/{empty.pk}/").status_code == 204


def test_deleting_a_team_with_members_or_history_is_a_400(org, api_as):
    api = api_as(org.admin)
    response = api.delete(f"/api/teams/{org.team_b.pk}/")
    assert response.status_code == 400, response.content
    assert Team.objects.filter(pk=org.team_b.pk).exists()
    # Emptied out, it still has history: still refused.
    for member in org.team_b.members.all():
        moved = api.post(f"/api/members/{member.pk}/move/", {"team": None}, format="json")
        assert moved.status_code == 200, moved.content
    response = api.delete(f"/api/teams/{org.team_b.pk}/")
    assert response.status_code == 400, response.content
    assert Team.objects.filter(pk=org.team_b.pk).exists()


# --- what the fuzzing found, pinned -------------------------------------------------------


def test_members_memberships_is_the_plain_list_the_schema_documents(org, api_as):
    response = api_as(org.admin).get(f"/api/members/{org.agent_a1.pk}/memberships/")
    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)
    assert [row["team"] for row in rows] == [org.team_a.pk]


@pytest.mark.parametrize(
    "at, status",
    [
        ("2030-01-01T00:00:00-19:10", 200),  # valid ISO 8601; PostgreSQL refuses the offset
        ("2030-01-01T00:00:00+23:59", 200),
        ("9999-12-31T23:00:00-19:10", 400),  # after the calendar's end once in UTC
        ("0001-01-01T00:00:00+19:10", 400),  # before its start
    ],
)
def test_membership_at_filter_accepts_any_utc_offset(org, api_as, at, status):
    response = api_as(org.admin).get("/api/memberships/", {"at": at})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["count"] > 0  # every membership is open in 2030
    else:
        assert "at" in response.json()


@pytest.mark.parametrize("hire_date", ["0001-01-01", "1899-12-31", "3000-01-01"])
def test_hire_date_far_outside_the_calendar_is_a_400(org, api_as, hire_date):
    api = api_as(org.admin)
    response = api.post(
        "/api/members/",
        {
            "username": "ancient",
            "full_name": "Ancient",
            "employee_no": "X0001",
            "hire_date": hire_date,
            "team": org.team_a.pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "hire_date" in response.json()
    assert not Member.objects.filter(employee_no="X0001").exists()
    assert api.get("/api/memberships/").status_code == 200


def test_leave_date_at_the_end_of_the_calendar_is_a_400(org, api_as):
    response = api_as(org.admin).post(
        f"/api/members/{org.agent_a1.pk}/status/",
        {"status": "left", "leave_date": "9999-12-31", "leave_reason": "resigned"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "leave_date" in response.json()
    org.agent_a1.refresh_from_db()
    assert org.agent_a1.status == "active"

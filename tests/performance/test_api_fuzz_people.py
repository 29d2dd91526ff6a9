"""Fuzz the people API (`/api/performance/{evaluations,ratings,development-plans,incentives,
improvement-plans,turnover}/`) from its OpenAPI schema, like tests/orders/test_api_fuzz.py.

For every answer: no server error; a documented status (or DRF's generic errors) with a
documented body; and the scope holds — a review, rating, plan or incentive outside the
caller's scope is absent from lists and answers 404 (a move on it too; the one exception:
a teammate may rate an open review as a peer); inspectors change nothing; agents change
nothing but their own ratings.

Path ids and the ids in bodies and filters are mapped onto `people_world`'s rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm import access
from crm.models import Department, Member, Role, Team
from performance import access as performance_access
from performance.models import (
    DevelopmentPlan,
    Evaluation,
    EvaluationRating,
    ImprovementPlan,
    Incentive,
    Scorecard,
)
from performance.services import improvement, incentives, reviews
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
from tests.performance.people_fixtures import MARCH, scorecard
from tests.training.factories import CourseFactory

API = (
    r"^/api/performance/"
    r"(evaluations|ratings|development-plans|incentives|improvement-plans|turnover)/"
)

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
    "evaluations": (Evaluation, performance_access.visible_evaluations),
    "ratings": (EvaluationRating, performance_access.visible_evaluation_ratings),
    "development-plans": (DevelopmentPlan, performance_access.visible_development_plans),
    "incentives": (Incentive, performance_access.visible_incentives),
    "improvement-plans": (ImprovementPlan, performance_access.visible_improvement_plans),
}
FOREIGN_KEYS = {
    "agent": "users",
    "evaluation": "evaluations",
    "scorecard": "scorecards",
    "team": "teams",
    "department": "departments",
}


@pytest.fixture
def people_world(org):
    today = timezone.localdate()
    CourseFactory()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        scorecard(member, MARCH, "40")
    managers = {org.team_a: org.manager_a, org.team_b: org.manager_b, org.team_c: org.manager_c}
    for member in (org.agent_a1, org.agent_b1, org.agent_c1):
        manager = managers[member.team].user
        review = reviews.open_evaluation(by=manager, agent=member.user, period=MARCH)
        reviews.rate(by=manager, evaluation=review, kind="supervisor", score=4)
        reviews.rate(by=member.user, evaluation=review, kind="self", score=5)
        reviews.development_plan_create(
            by=manager, agent=member.user, goals="提升", evaluation=review
        )
        for kind, amount in (("bonus", "100"), ("warning", None)):
            incentive = incentives.incentive_propose(
                by=manager,
                agent=member.user,
                kind=kind,
                amount=amount,
                period=MARCH,
                reason="理由",
            )
            if kind == "bonus":
                incentives.incentive_approve(by=org.head.user, incentive=incentive)
        plan = improvement.improvement_plan_open(
            by=manager,
            agent=member.user,
            reason="低",
            goals="提升",
            due_on=today + dt.timedelta(days=30),
        )
        improvement.coaching_session_add(by=manager, plan=plan, notes="辅导", progress=10)
    closed = reviews.open_evaluation(by=org.manager_a.user, agent=org.agent_a2.user, period=MARCH)
    reviews.rate(by=org.agent_a1.user, evaluation=closed, kind="peer", score=3)
    reviews.close_evaluation(by=org.manager_a.user, evaluation=closed)


def _caller(org, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    assert member.role == role
    user = member.user
    sees_all = access.scope_of(user).sees_all
    ids = {}
    for name, (model, visible) in ROWS.items():
        mine = sorted(visible(user).values_list("pk", flat=True))
        ids[name] = mine * 2 + sorted(model.objects.values_list("pk", flat=True))
    access.forget_scope(user)
    ids.update(
        users=sorted(Member.objects.values_list("user_id", flat=True)),
        scorecards=sorted(Scorecard.objects.values_list("pk", flat=True)),
        teams=sorted(Team.objects.values_list("pk", flat=True)),
        departments=sorted(Department.objects.values_list("pk", flat=True)),
    )
    return Caller(role=role, user=user, headers=token_headers(user), sees_all=sees_all, ids=ids)


@pytest.fixture
def admin_caller(org, people_world):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, people_world):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _map(value, name: str, caller: Caller):
    if name in FOREIGN_KEYS and not isinstance(value, list | dict):
        return real_id(value, caller.ids[FOREIGN_KEYS[name]])
    return value


def _rows_of(path: str) -> str | None:
    part = path.split("/")[3]
    return part if part in ROWS else None


def exercise(case, caller: Caller) -> None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in values:
                values[name] = _map(values[name], name, caller)
    path = case.operation.path
    rows = _rows_of(path)
    path_id = None
    params = case.path_parameters or {}
    if "id" in params and rows:
        params["id"] = real_id(params["id"], caller.ids[rows])
        if isinstance(params["id"], int) and 0 <= params["id"] < 2**63:
            path_id = params["id"]
    model, visible_rows = ROWS.get(rows, (None, None))
    visible = bool(
        model and path_id is not None and visible_rows(caller.user).filter(pk=path_id).exists()
    )
    exists = bool(model and path_id is not None and model.objects.filter(pk=path_id).exists())
    peer_rates = (
        path.endswith("/rate/")
        and path_id is not None
        and performance_access.peer_evaluations(caller.user).filter(pk=path_id).exists()
    )
    access.forget_scope(caller.user)

    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)

    status = response.status_code
    method = case.method.upper()
    succeeded = 200 <= status < 300
    if succeeded and method != "GET":
        assert caller.role != Role.INSPECTOR, f"an inspector did {method} {path}"
        if caller.role == Role.AGENT:
            assert path.endswith("/rate/"), f"an agent did {method} {path}"
    if caller.sees_all or not model:
        return
    if exists and not visible and not peer_rates:
        assert status in ({404} if method == "GET" else {403, 404}), (
            f"a {caller.role} got {status} for {rows} {path_id} outside their scope"
        )
    if succeeded and method == "GET" and "{id}" not in path:
        shown = set(listed_ids(response.json()))
        allowed = set(visible_rows(caller.user).values_list("pk", flat=True))
        access.forget_scope(caller.user)
        assert shown <= allowed, f"a {caller.role} was shown {rows} {sorted(shown - allowed)}"


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_people_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_people_api_as_inspector_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

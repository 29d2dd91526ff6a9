"""Fuzz the training API (`/api/training/...`) from its own OpenAPI schema, as each role.

Like the lead API's run (tests/leads/test_api_fuzz.py; shared checks in tests/api_fuzz.py):
schemathesis sends generated requests, valid and invalid, to the application in-process with
the caller's token. For every answer: no server error, a documented status (or one of DRF's
generic errors), the documented body; and the scope holds: a row the caller may not see
answers 404 (403 for a write the role may never make) and never shows up in a list.

`training_world` gives rows to reach: courses (one retired), sessions, materials,
enrollments of agents in each team, levels, a proposal per team, scripts and cases. Path ids
and foreign keys in bodies and filters are mapped onto those rows, in scope and not.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from crm import access
from crm.models import Member, Team
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
from tests.leads.factories import LeadFactory
from tests.training.factories import CaseFactory, CourseFactory, LevelFactory, SessionFactory
from training import access as training_access
from training.models import (
    CallScript,
    Case,
    Course,
    Enrollment,
    Material,
    PromotionLevel,
    PromotionProposal,
    Session,
)
from training.services import call_scripts, case_library, enrollments, promotions

TRAINING_API = r"^/api/training/"
schema = load_schema(TRAINING_API)
schema_without_coverage = load_schema(TRAINING_API, coverage=False)

HYPOTHESIS_ADMIN = hypothesis_settings(8)
HYPOTHESIS_STAFF = hypothesis_settings(5)

ROLES = {
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
SEGMENTS = {
    "courses": (Course, training_access.visible_courses),
    "sessions": (Session, training_access.visible_training_sessions),
    "materials": (Material, training_access.visible_materials),
    "enrollments": (Enrollment, training_access.visible_enrollments),
    "promotion-levels": (PromotionLevel, training_access.visible_promotion_levels),
    "promotion-proposals": (PromotionProposal, training_access.visible_promotion_proposals),
    "call-scripts": (CallScript, training_access.visible_call_scripts),
    "cases": (Case, training_access.visible_cases),
}
FOREIGN_KEYS = {
    "course": "courses",
    "session": "sessions",
    "member": "members",
    "team": "teams",
    "to_level": "promotion-levels",
    "lead": "leads",
    "required_courses": "courses",
    "featured_for_team": "teams",
}


@pytest.fixture
def training_world(org):
    courses = [
        CourseFactory(title="企业文化", kind="onboarding", required_for_onboarding=True),
        CourseFactory(title="产品知识", kind="onboarding", has_exam=True, pass_mark=60),
        CourseFactory(title="停用", active=False),
    ]
    sessions = [SessionFactory(course=course) for course in courses]
    Material.objects.create(
        course=courses[0],
        file=ContentFile(b"%PDF-1.4 x", name="training/fuzz.pdf"),
        original_name="制度.pdf",
        size=10,
        content_type="application/pdf",
    )
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        enrollments.enroll(member=member, course=courses[0], by=org.admin.user)
        enrollments.enroll(member=member, course=courses[1], session=sessions[1], by=org.admin.user)
    junior = LevelFactory(name="初级坐席", rank=1)
    LevelFactory(name="坐席", rank=2, min_tenure_months=3)
    for member, manager in ((org.agent_a2, org.manager_a), (org.agent_c1, org.manager_c)):
        promotions.promotion_propose(member=member, to_level=junior, reasons="好", by=manager.user)
    call_scripts.script_publish(product="企业宽带", stage="opening", title="t", body="b", by=None)
    case = CaseFactory(author=org.agent_a1.user, featured_for_team=org.team_a)
    case_library.case_comment(case=case, body="赞", by=org.agent_c1.user)
    for member, team in ((org.agent_a1, org.team_a), (org.agent_c1, org.team_c)):
        LeadFactory(owner=member.user, team=team)


@pytest.fixture
def admin_caller(org, training_world):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=list(ROLES))
def staff_caller(request, org, training_world):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _caller(org, role: str) -> Caller:
    member = org.admin if role == "admin" else getattr(org, ROLES[role])
    user = member.user
    ids = {}
    for segment, (model, visible) in SEGMENTS.items():
        everything = sorted(model.objects.values_list("pk", flat=True))
        ids[segment] = sorted(visible(user).values_list("pk", flat=True)) * 2 + everything
    ids["members"] = sorted(access.visible_members(user).values_list("pk", flat=True)) * 2 + sorted(
        Member.objects.values_list("pk", flat=True)
    )
    ids["teams"] = sorted(Team.objects.values_list("pk", flat=True))
    from leads.models import Lead

    ids["leads"] = sorted(Lead.objects.values_list("pk", flat=True))
    caller = Caller(
        role=role,
        user=user,
        headers=token_headers(user),
        sees_all=access.scope_of(user).sees_all,
        ids=ids,
    )
    access.forget_scope(user)
    return caller


def _segment(path: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) > 2 and parts[2] in SEGMENTS else None


def _map(value, name: str, caller: Caller):
    if name not in FOREIGN_KEYS:
        return value
    ids = caller.ids[FOREIGN_KEYS[name]]
    if isinstance(value, list):
        return [real_id(item, ids) for item in value]
    return real_id(value, ids)


def _map_ids(case, caller: Caller) -> int | None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in values:
                values[name] = _map(values[name], name, caller)
    params = case.path_parameters or {}
    if "id" not in params:
        return None
    segment = _segment(case.operation.path)
    params["id"] = real_id(params["id"], caller.ids[segment])
    mapped = params["id"]
    return mapped if isinstance(mapped, int) and 0 <= mapped < 2**63 else None


def check_scope(case, response, caller: Caller, path_id: int | None) -> None:
    status = response.status_code
    segment = _segment(case.operation.path)
    if segment is None or caller.sees_all:
        return
    model, visible = SEGMENTS[segment]
    exists = path_id is not None and model.objects.filter(pk=path_id).exists()
    if exists and not visible(caller.user).filter(pk=path_id).exists():
        allowed = {404} if case.method.upper() == "GET" else {404, 403}
        assert status in allowed, f"a {caller.role} got {status} for {segment} {path_id}"
    if case.method.upper() == "GET" and 200 <= status < 300 and "{id}" not in case.operation.path:
        shown = set(listed_ids(response.json()))
        hidden = shown - set(visible(caller.user).filter(pk__in=shown).values_list("pk", flat=True))
        assert not hidden, f"a {caller.role} was shown {segment} {sorted(hidden)}"


def exercise(case, caller: Caller) -> None:
    path_id = _map_ids(case, caller)
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    check_scope(case, response, caller, path_id)


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_training_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_training_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)


# --- what the fuzzing found, pinned -------------------------------------------------------


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_session_before_2000_is_a_400_naming_the_field(org, api_as, field):
    """Answered in Asia/Shanghai's local mean time (+08:05:43), which is no RFC 3339
    date-time: such dates are refused."""
    course = CourseFactory()
    body = {
        "course": course.pk,
        "starts_at": "2026-12-01T10:00:00+08:00",
        "ends_at": "2026-12-01T12:00:00+08:00",
        "trainer": "王老师",
        "place": "3楼",
        field: "0687-05-08T01:52:55Z" if field == "starts_at" else "1999-12-31T00:00:00Z",
    }
    response = api_as(org.admin).post("/api/training/sessions/", body, format="json")
    assert response.status_code == 400 and field in response.json()

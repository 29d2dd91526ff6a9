"""Fuzz the privacy API (`/api/privacy/...`) from its OpenAPI schema, as an administrator
and as every other role (shared checks in tests/api_fuzz.py): no server error ever,
answers as documented, and nobody but an administrator reads or changes a request (403)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crm.models import Role
from leads.models import Lead
from privacy.models import RequestKind, SubjectRequest
from privacy.services.requests import request_open
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    real_id,
    real_text,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order

from .conftest import MARKED_EMAIL, MARKED_NAME, MARKED_PHONE

PRIVACY_API = r"^/api/privacy/"
schema = load_schema(PRIVACY_API)
schema_without_coverage = load_schema(PRIVACY_API, coverage=False)
ROLES = {"admin": "admin", "inspector": "inspector", "head": "head", "agent": "agent_a1"}


@dataclass
class Caller:
    role: str
    user: object
    headers: dict
    request_ids: list[int]
    lead_ids: list[int]


@pytest.fixture
def requests_rows(org):
    person = LeadFactory(
        name=MARKED_NAME, phone=MARKED_PHONE, email=MARKED_EMAIL, owner=org.agent_a1.user
    )
    busy = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    take_order(org.agent_a1, lead=busy)
    for kind in RequestKind.values:
        request_open(kind=kind, phone=MARKED_PHONE, leads=[person], by=org.admin.user)
    request_open(kind=RequestKind.DELETION, phone=busy.phone, leads=[busy], by=org.admin.user)


def _caller(org, role: str) -> Caller:
    user = getattr(org, ROLES[role]).user
    return Caller(
        role,
        user,
        token_headers(user),
        sorted(SubjectRequest.objects.values_list("pk", flat=True)),
        sorted(Lead.objects.values_list("pk", flat=True)),
    )


@pytest.fixture
def admin_caller(org, requests_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, requests_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def exercise(case, caller: Caller) -> None:
    params = case.path_parameters or {}
    if "id" in params:
        params["id"] = real_id(params["id"], caller.request_ids)
    if isinstance(case.body, dict):
        if "lead" in case.body:
            case.body["lead"] = real_id(case.body["lead"], caller.lead_ids)
        if isinstance(case.body.get("leads"), list):
            case.body["leads"] = [real_id(pk, caller.lead_ids) for pk in case.body["leads"]]
        if "phone" in case.body:
            case.body["phone"] = real_text(case.body["phone"], [MARKED_PHONE, "139 1234 5678"])
    before = SubjectRequest.objects.count()
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    if caller.role != Role.ADMIN:
        assert response.status_code in (401, 403, 404, 405), (caller.role, response.status_code)
        assert SubjectRequest.objects.count() == before


@schema.parametrize()
@hypothesis_settings(10)
def test_privacy_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@hypothesis_settings(5)
def test_privacy_api_as_everyone_else(case, staff_caller):
    exercise(case, staff_caller)

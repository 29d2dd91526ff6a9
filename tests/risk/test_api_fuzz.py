"""Fuzz the risk controls' API operation (`POST /api/leads/{id}/reveal/`) from the schema,
as an administrator and as an agent: never a server error, answers as documented, a lead
outside the caller's scope is 404 and its reveal is not logged, every reveal that
succeeds is logged. (The rest of the lead API, masked numbers included, is fuzzed by
tests/leads/test_api_fuzz.py.)"""

from __future__ import annotations

import pytest

from leads import access as leads_access
from leads.models import Lead
from risk.models import PhoneReveal
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.leads.factories import LeadFactory

schema = load_schema(r"^/api/leads/\{id\}/reveal/$")


@pytest.fixture(params=["admin", "agent_a1", "manager_b"])
def caller(request, org):
    LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    LeadFactory(owner=org.agent_b1.user, team=org.team_b)
    LeadFactory(team=org.team_c)
    member = getattr(org, request.param)
    with wsgi_in_test_transaction():
        yield member.user


@schema.parametrize()
@hypothesis_settings(25)
def test_reveal(case, caller):
    ids = sorted(Lead.objects.values_list("pk", flat=True))
    params = case.path_parameters or {}
    generated = params.get("id")
    if isinstance(generated, str) and generated.isdigit():
        generated = int(generated)
    params["id"] = real_id(generated, ids)
    before = PhoneReveal.objects.count()
    visible = (
        isinstance(params["id"], int)
        and leads_access.visible_leads(caller).filter(pk=params["id"]).exists()
    )
    headers = token_headers(caller)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    if case.method.upper() != "POST":
        return  # the coverage phase also tries other methods: 405 (or OPTIONS' metadata)
    if response.status_code == 200:
        assert visible
        assert PhoneReveal.objects.count() == before + 1
    else:
        assert PhoneReveal.objects.count() == before
    if isinstance(params["id"], int) and 0 < params["id"] < 2**63 and not visible:
        assert response.status_code in (400, 404, 405)

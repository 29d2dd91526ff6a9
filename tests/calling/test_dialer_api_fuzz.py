"""Fuzz the calling API (`/api/calling/...`) from its own OpenAPI schema, as an admin and
an agent (checks in tests/api_fuzz.py): no server error, documented answers only.

The `calling_world` rows give the operations something to reach: the agent's leads (one
held in a session), a call with a stored recording, a playback, a configured phone system
whose webhook refuses the fuzzer's unsigned posts.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from calling.models import Recording, RecordingPlayback
from calling.services import dialer, phone
from leads.services import followups
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.calling.fake_phone import WAV
from tests.leads.factories import CallFactory, LeadFactory

CALLING_API = r"^/api/calling/(session|events|calls|playbacks)/"
schema = load_schema(CALLING_API)
HYPOTHESIS = hypothesis_settings(10)


@pytest.fixture
def calling_world(org):
    followups.disposition_rules_install_defaults()
    phone.phone_settings_save(adapter="none", webhook_secret="fuzz-secret")
    agent = org.agent_a1.user
    leads = [LeadFactory(owner=agent, team=org.team_a) for _ in range(3)]
    LeadFactory(team=org.team_a)
    call = CallFactory(lead=leads[0], agent=agent)
    name = default_storage.save(f"recordings/fuzz/{call.pk}.wav", ContentFile(WAV))
    Recording.objects.create(call=call, location=name)
    RecordingPlayback.objects.create(call=call, user=agent)
    dialer.session_start(agent=agent)
    dialer.lead_next(agent=agent)
    return {"leads": [lead.pk for lead in leads], "calls": [call.pk]}


@pytest.fixture(params=["admin", "agent_a1"])
def caller(request, org, calling_world):
    member = getattr(org, request.param)
    with wsgi_in_test_transaction():
        yield token_headers(member.user), calling_world


@schema.parametrize()
@HYPOTHESIS
def test_dialer_api(case, caller):
    headers, world = caller
    if isinstance(case.body, dict) and "lead" in case.body:
        case.body["lead"] = real_id(case.body["lead"], world["leads"])
    params = case.path_parameters or {}
    if "id" in params:
        params["id"] = real_id(params["id"], world["calls"])
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)

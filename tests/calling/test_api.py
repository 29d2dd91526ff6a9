"""The calling floor API: my state, the state log, pause codes (admins write)."""

import pytest

from calling.models import AgentState, PauseCode, StateChange
from calling.models import StateSource as Source
from calling.services.states import change_state

pytestmark = pytest.mark.django_db
STATE = "/api/calling/state/"
CODES = "/api/calling/pause-codes/"
LOG = "/api/calling/states/"


def test_an_agent_reads_and_sets_their_own_state(org, api_as):
    api = api_as(org.agent_a1)
    assert api.get(STATE).json()["state"] == "offline"
    answer = api.post(STATE, {"state": "ready"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "ready"
    lunch = PauseCode.objects.get(code="lunch")
    answer = api.post(STATE, {"state": "paused", "pause_code": lunch.pk}, format="json")
    body = answer.json()
    assert (body["state"], body["pause_code"], body["max_minutes"]) == ("paused", lunch.pk, 60)
    row = StateChange.objects.get(user=org.agent_a1.user, ended_at__isnull=True)
    assert (row.state, row.source) == (AgentState.PAUSED, Source.AGENT)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": "paused"}, "pause_code"),
        ({"state": "on_call"}, "state"),
        ({"state": "dancing"}, "state"),
        ({"state": "paused", "pause_code": 999999}, "pause_code"),
    ],
)
def test_bad_state_changes_answer_400_naming_the_field(org, api_as, body, field):
    answer = api_as(org.agent_a1).post(STATE, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()


def test_an_inactive_code_cannot_be_chosen(org, api_as):
    code = PauseCode.objects.get(code="break")
    code.active = False
    code.save()
    answer = api_as(org.agent_a1).post(
        STATE, {"state": "paused", "pause_code": code.pk}, format="json"
    )
    assert answer.status_code == 400 and "pause_code" in answer.json()


def test_only_those_who_take_calls_have_a_state(org, api_as):
    assert api_as(org.manager_a).get(STATE).status_code == 200
    for member in (org.head, org.admin, org.inspector):
        assert api_as(member).get(STATE).status_code == 403


def test_the_state_log_follows_the_scope(org, api_as):
    for member in (org.agent_a1, org.agent_a2, org.agent_b1):
        change_state(member.user, AgentState.READY)

    def users(member, query=""):
        rows = api_as(member).get(LOG + query).json()["results"]
        return {row["user"] for row in rows}

    assert users(org.agent_a1) == {org.agent_a1.user.pk}
    assert users(org.manager_a) == {org.agent_a1.user.pk, org.agent_a2.user.pk}
    assert users(org.manager_a, f"?user={org.agent_b1.user.pk}") == set()
    assert users(org.head) == {m.user.pk for m in (org.agent_a1, org.agent_a2, org.agent_b1)}
    assert api_as(org.manager_a).get(LOG + "?user=abc").status_code == 400


def test_everyone_reads_pause_codes_and_only_admins_write_them(org, api_as):
    codes = api_as(org.agent_a1).get(CODES).json()
    assert [c["code"] for c in codes] == ["lunch", "training", "meeting", "restroom", "break"]
    assert api_as(org.agent_a1).post(CODES, {"code": "x", "name": "X"}).status_code == 403
    assert api_as(org.manager_a).post(CODES, {"code": "x", "name": "X"}).status_code == 403

    admin = api_as(org.admin)
    made = admin.post(CODES, {"code": "coaching", "name": "Coaching", "max_minutes": 30})
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert admin.patch(f"{CODES}{pk}/", {"max_minutes": 45}).json()["max_minutes"] == 45
    assert admin.delete(f"{CODES}{pk}/").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "lunch", "name": "Lunch again"}, "code"),
        ({"code": "bad code!", "name": "X"}, "code"),
        ({"code": "ok", "name": ""}, "name"),
        ({"code": "ok", "name": "X", "max_minutes": 0}, "max_minutes"),
        ({"code": "ok", "name": "X", "max_minutes": "soon"}, "max_minutes"),
    ],
)
def test_bad_pause_codes_answer_400_naming_the_field(org, api_as, body, field):
    answer = api_as(org.admin).post(CODES, body, format="json")
    assert answer.status_code == 400 and field in answer.json()


def test_a_used_code_is_kept_and_deactivated_instead(org, api_as):
    lunch = PauseCode.objects.get(code="lunch")
    change_state(org.agent_a1.user, AgentState.PAUSED, pause_code=lunch)
    answer = api_as(org.admin).delete(f"{CODES}{lunch.pk}/")
    assert answer.status_code == 400 and "active" in answer.json()
    assert PauseCode.objects.filter(pk=lunch.pk).exists()

"""The state control in the header: shown to agents and team managers, changed with htmx."""

import pytest
from django.urls import reverse

from calling.models import AgentState, PauseCode
from calling.services.states import current_state

pytestmark = pytest.mark.django_db


def test_the_header_loads_the_control_for_those_who_take_calls(org, client_as):
    for member in (org.agent_a1, org.manager_a):
        page = client_as(member).get(reverse("home"), follow=True).content.decode()
        assert 'id="floor-state"' in page and "js/floor.js" in page
    for member in (org.head, org.admin, org.inspector):
        page = client_as(member).get(reverse("home"), follow=True).content.decode()
        assert 'id="floor-state"' not in page


def test_the_control_shows_the_state_and_changes_it(org, client_as):
    client = client_as(org.agent_a1)
    control = client.get(reverse("calling:state_control")).content.decode()
    assert "Offline" in control and "Alt+1" in control and "Lunch" in control
    lunch = PauseCode.objects.get(code="lunch")
    answer = client.post(
        reverse("calling:state_change"),
        {"state": "paused", "pause_code": lunch.pk},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert 'id="floor-state-label">Lunch' in answer.content.decode()
    assert current_state(org.agent_a1.user).state == AgentState.PAUSED
    # Without htmx: back to the page it came from.
    answer = client.post(reverse("calling:state_change"), {"state": "ready", "next": "/leads/"})
    assert answer.status_code == 302 and answer.url == "/leads/"
    assert current_state(org.agent_a1.user).state == AgentState.READY


def test_a_pause_without_a_code_is_refused_in_the_control(org, client_as):
    answer = client_as(org.agent_a1).post(
        reverse("calling:state_change"), {"state": "paused"}, HTTP_HX_REQUEST="true"
    )
    assert "floor-state-error" in answer.content.decode()
    assert current_state(org.agent_a1.user) is None


def test_those_who_take_no_calls_are_refused(org, client_as):
    for member in (org.head, org.admin):
        client = client_as(member)
        assert client.get(reverse("calling:state_control")).status_code == 403
        assert client.post(reverse("calling:state_change"), {"state": "ready"}).status_code == 403


def test_the_heartbeat_moves_presence(org, client_as):
    from calling.models import FloorPresence

    answer = client_as(org.agent_a1).post(reverse("calling:state_seen"))
    assert answer.status_code == 204
    assert FloorPresence.objects.filter(user=org.agent_a1.user).exists()

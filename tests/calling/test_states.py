"""Agent states: every change an append-only row, from each of its sources."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from calling.models import AgentState, FloorPolicy, FloorPresence, PauseCode, StateChange
from calling.models import StateSource as Source
from calling.selectors.states import day_bounds, seconds_by_state, time_in_states_on
from calling.services.states import change_state, current_state, idle_sweep, wrap_up_sweep
from calling.tasks import idle_sweep as idle_task
from calling.tasks import wrap_up_sweep as wrap_up_task

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def lunch() -> PauseCode:
    return PauseCode.objects.get(code="lunch")


def log(user) -> list[tuple]:
    return list(
        StateChange.objects.filter(user=user)
        .order_by("started_at", "id")
        .values_list("state", "source", "started_at", "ended_at")
    )


def test_default_pause_codes_and_policy_come_with_the_migrations():
    codes = dict(PauseCode.objects.values_list("code", "max_minutes"))
    assert codes == {"lunch": 60, "training": 120, "meeting": 60, "restroom": 10, "break": 15}
    policy = FloorPolicy.current()
    assert (policy.wrap_up_seconds, policy.idle_timeout_minutes) == (30, 30)


def test_agent_changes_make_one_row_each_and_close_the_previous(org):
    user = org.agent_a1.user
    change_state(user, AgentState.READY, at=T0)
    change_state(user, AgentState.PAUSED, pause_code=lunch(), at=T0 + dt.timedelta(minutes=5))
    change_state(user, AgentState.READY, at=T0 + dt.timedelta(minutes=50))
    rows = log(user)
    assert [r[0] for r in rows] == ["ready", "paused", "ready"]
    assert rows[0][3] == rows[1][2] and rows[1][3] == rows[2][2]
    assert rows[2][3] is None
    assert StateChange.objects.filter(user=user, ended_at__isnull=True).count() == 1
    assert current_state(user).state == AgentState.READY


def test_the_same_state_twice_changes_nothing(org):
    user = org.agent_a1.user
    first = change_state(user, AgentState.READY, at=T0)
    again = change_state(user, AgentState.READY, at=T0 + dt.timedelta(minutes=1))
    assert first.pk == again.pk and StateChange.objects.filter(user=user).count() == 1


def test_a_pause_needs_an_active_code_and_agents_cannot_claim_a_call(org):
    user = org.agent_a1.user
    with pytest.raises(ValidationError) as missing:
        change_state(user, AgentState.PAUSED)
    assert "pause_code" in missing.value.message_dict
    code = lunch()
    code.active = False
    code.save()
    with pytest.raises(ValidationError) as inactive:
        change_state(user, AgentState.PAUSED, pause_code=code)
    assert "pause_code" in inactive.value.message_dict
    with pytest.raises(ValidationError) as phone_only:
        change_state(user, AgentState.ON_CALL, source=Source.AGENT)
    assert "state" in phone_only.value.message_dict


def test_phone_events_set_on_call_and_wrap_up(org):
    user = org.agent_a1.user
    change_state(user, AgentState.READY, at=T0)
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=T0 + dt.timedelta(minutes=1))
    # A repeated webhook is harmless.
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=T0 + dt.timedelta(minutes=2))
    change_state(user, AgentState.WRAP_UP, source=Source.PHONE, at=T0 + dt.timedelta(minutes=4))
    assert [(r[0], r[1]) for r in log(user)] == [
        ("ready", "agent"),
        ("on_call", "phone"),
        ("wrap_up", "phone"),
    ]


def test_wrap_up_ends_after_the_policy_time_from_when_it_ran_out(org):
    user = org.agent_a1.user
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=T0)
    change_state(user, AgentState.WRAP_UP, source=Source.PHONE, at=T0 + dt.timedelta(minutes=3))
    assert wrap_up_sweep(now=T0 + dt.timedelta(minutes=3, seconds=20)) == 0
    assert wrap_up_sweep(now=T0 + dt.timedelta(minutes=4)) == 1
    ready = current_state(user)
    assert (ready.state, ready.source) == (AgentState.READY, Source.TIMEOUT)
    assert ready.started_at == T0 + dt.timedelta(minutes=3, seconds=30)
    # Idempotent: running again (or late, or twice) ends nothing more.
    assert wrap_up_sweep(now=T0 + dt.timedelta(minutes=9)) == 0
    assert StateChange.objects.filter(user=user).count() == 3


def test_the_agent_ends_wrap_up_by_becoming_ready(org):
    user = org.agent_a1.user
    change_state(user, AgentState.WRAP_UP, source=Source.PHONE, at=T0)
    change_state(user, AgentState.READY, at=T0 + dt.timedelta(seconds=10))
    assert wrap_up_sweep(now=T0 + dt.timedelta(minutes=5)) == 0
    assert current_state(user).source == Source.AGENT


def test_the_wrap_up_task_runs_the_sweep(org):
    user = org.agent_a1.user
    change_state(
        user, AgentState.WRAP_UP, source=Source.PHONE, at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert wrap_up_task.apply().get() == 1
    assert wrap_up_task.apply().get() == 0
    assert current_state(user).state == AgentState.READY


def test_idle_agents_go_offline_but_active_ones_and_calls_do_not(org):
    idle, active, calling = org.agent_a1.user, org.agent_a2.user, org.agent_b1.user
    for user in (idle, active):
        change_state(user, AgentState.READY, at=T0)
    change_state(calling, AgentState.ON_CALL, source=Source.PHONE, at=T0)
    FloorPresence.objects.filter(user=active).update(seen_at=T0 + dt.timedelta(minutes=25))
    assert idle_sweep(now=T0 + dt.timedelta(minutes=31)) == 1
    row = current_state(idle)
    assert (row.state, row.source) == (AgentState.OFFLINE, Source.TIMEOUT)
    assert current_state(active).state == AgentState.READY
    assert current_state(calling).state == AgentState.ON_CALL
    assert idle_sweep(now=T0 + dt.timedelta(minutes=31)) == 0
    assert idle_sweep(now=T0 + dt.timedelta(minutes=56)) == 1  # `active` idle since 25'


def test_the_idle_task_runs_the_sweep(org):
    user = org.agent_a1.user
    change_state(user, AgentState.READY, at=timezone.now() - dt.timedelta(hours=1))
    FloorPresence.objects.filter(user=user).update(seen_at=timezone.now() - dt.timedelta(hours=1))
    assert idle_task.apply().get() == 1
    assert current_state(user).state == AgentState.OFFLINE


def test_signing_out_goes_offline(org, client):
    user = org.agent_a1.user
    client.force_login(user)
    change_state(user, AgentState.READY)
    client.post(reverse("logout"))
    row = current_state(user)
    assert (row.state, row.source) == (AgentState.OFFLINE, Source.SIGN_OUT)


def test_time_in_each_state_is_clipped_to_the_local_day(org):
    user = org.agent_a1.user
    start, end = day_bounds(dt.date(2026, 12, 7))  # Asia/Shanghai: 2026-12-06 16:00 UTC
    change_state(user, AgentState.READY, at=start - dt.timedelta(hours=1))
    change_state(user, AgentState.PAUSED, pause_code=lunch(), at=start + dt.timedelta(hours=2))
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=start + dt.timedelta(hours=3))
    change_state(user, AgentState.OFFLINE, at=end + dt.timedelta(hours=2))
    times = time_in_states_on([user.pk], dt.date(2026, 12, 7))[user.pk]
    assert times[("ready", None)] == pytest.approx(2 * 3600)
    assert times[("paused", lunch().pk)] == pytest.approx(3600)
    assert times[("on_call", None)] == pytest.approx(21 * 3600)
    folded = seconds_by_state(times)
    assert sum(folded.values()) == pytest.approx(24 * 3600)


@override_settings(CONFIG_CACHE_SECONDS=0)
def test_the_policy_is_one_row():
    policy = FloorPolicy.current()
    policy.wrap_up_seconds = 45
    policy.save()
    other = FloorPolicy(wrap_up_seconds=10)
    other.save()
    assert FloorPolicy.objects.count() == 1
    assert FloorPolicy.cached().wrap_up_seconds == 10

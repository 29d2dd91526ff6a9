"""The efficiency indicators read from agent states, against figures worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from calling.models import AgentState, PauseCode
from calling.models import StateSource as Source
from calling.services.states import change_state
from performance.metrics import (
    METRICS,
    STATE_SOURCES,
    aggregate_all,
    metric_for,
    state_seconds,
    sum_rows,
)
from performance.models import Indicator
from performance.models import Source as Indicators
from performance.periods import Span
from tests.calling.factories import default_pause_codes, state_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _floor_defaults(db):
    default_pause_codes()
    state_indicators()


T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai, in the past
SPAN = Span(T0, T0 + dt.timedelta(hours=3))


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def a_morning(user) -> None:
    """Ready from 08:00 (clipped to 09:00), two calls with wrap-up, lunch, offline.

    ready 60 + 18 = 78 (clipped: 30 + 18 = 48 … from 09:00), talk 10 + 8, wrap 2 + 2,
    paused 60, offline from 11:10."""
    lunch = PauseCode.objects.get(code="lunch")
    change_state(user, AgentState.READY, at=at(-60))
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=at(30))
    change_state(user, AgentState.WRAP_UP, source=Source.PHONE, at=at(40))
    change_state(user, AgentState.READY, at=at(42))
    change_state(user, AgentState.ON_CALL, source=Source.PHONE, at=at(60))
    change_state(user, AgentState.WRAP_UP, source=Source.PHONE, at=at(68))
    change_state(user, AgentState.PAUSED, pause_code=lunch, at=at(70))
    change_state(user, AgentState.OFFLINE, at=at(130))


def figures(rows, source):
    metric = metric_for(source)
    sums = sum_rows(rows[source], lambda agent, _team: agent)
    return {
        agent: metric.figure(num, den if metric.denominator is not None else None)
        for agent, (num, den) in sums.items()
    }


@pytest.mark.parametrize("narrowed", [False, True])
def test_state_indicators_match_the_hand_computed_values(org, narrowed):
    user = org.agent_a1.user
    a_morning(user)
    # productive = ready 30 + 18 + talk 18 + wrap 4 = 70 min; talk + wrap = 22 min.
    rows = aggregate_all(
        list(STATE_SOURCES), SPAN, agent_ids=[user.pk] if narrowed else None, by_team=True
    )
    assert figures(rows, Indicators.OCCUPANCY)[user.pk] == Decimal("31.4286")  # 22/70
    assert figures(rows, Indicators.PAUSE_MINUTES)[user.pk] == Decimal("60.0000")
    assert figures(rows, Indicators.CALLS_PER_HOUR)[user.pk] == Decimal("1.7143")  # 2/(70/60)
    assert figures(rows, Indicators.HANDLE_TIME)[user.pk] == Decimal("11.0000")  # 22/2
    # Counted for the team the agent was in.
    assert {team for _agent, team, _n, _d in rows[Indicators.OCCUPANCY]} == {org.team_a.pk}


def test_the_drilldown_lists_the_rows_and_adds_up_to_the_figure(org):
    user = org.agent_a1.user
    a_morning(user)
    metric = METRICS[Indicators.OCCUPANCY]
    records = metric.drilldown(SPAN, agent_id=user.pk)
    # The rows overlapping the span: ready (from 08:00) … lunch; offline from 11:10 too.
    assert records.count() == 8
    numerator, denominator = metric.add_up(records)
    assert metric.figure(numerator, denominator) == Decimal("31.4286")


def test_pause_minutes_by_code(org):
    user = org.agent_a1.user
    a_morning(user)
    lunch = PauseCode.objects.get(code="lunch")
    seconds = state_seconds(SPAN, agent_ids=[user.pk])[user.pk]
    assert seconds[("paused", lunch.pk)] == pytest.approx(3600)
    # Still open: counted up to the end of the span (now is later).
    assert seconds[("offline", None)] == pytest.approx(50 * 60)


def test_the_indicators_are_registered_with_no_weight():
    found = {i.code: i for i in Indicator.objects.filter(source__in=STATE_SOURCES)}
    assert set(found) == {"occupancy", "pause_minutes", "calls_per_hour", "handle_time"}
    assert not found["pause_minutes"].higher_is_better
    assert not found["handle_time"].higher_is_better
    for indicator in found.values():
        assert {w.weight for w in indicator.weights.all()} == {Decimal("0")}
        assert indicator.label  # translated name

"""The bench's "floor" step writes state rows the wallboard can read (PostgreSQL SQL)."""

import pytest
from django.db import connection
from django.utils import timezone

from bench.config import Size
from bench.floor import generate_floor
from calling.models import StateChange
from performance.selectors.wallboard import compute_snapshots
from tests.support import unavailable

pytestmark = pytest.mark.django_db


def test_the_floor_step_gives_every_active_agent_a_history_and_one_open_row(org):
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (the bench writes with its generate_series)")
    generate_floor(Size(state_days=2))
    agents = [org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1]
    for member in agents:
        rows = StateChange.objects.filter(user=member.user)
        assert rows.count() == 2 * 55 + 18 + 1
        assert rows.filter(ended_at__isnull=True).count() == 1
    snap = compute_snapshots([org.team_a.pk], now=timezone.now())[org.team_a.pk]
    assert {a["user_id"] for a in snap["agents"]} == {org.agent_a1.user.pk, org.agent_a2.user.pk}
    assert snap["totals"]["occupancy"] is not None

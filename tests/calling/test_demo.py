"""The demo's calling floor: every active agent has a morning of states and one open row."""

import pytest
from django.utils import timezone

from calling import demo
from calling.models import StateChange

pytestmark = pytest.mark.django_db


def test_the_demo_floor(org):
    assert not demo.is_seeded()
    summary = demo.seed()
    assert summary["agents"] == 4 and demo.is_seeded()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        rows = StateChange.objects.filter(user=member.user)
        assert rows.filter(ended_at__isnull=True).count() == 1
        assert not rows.filter(started_at__gt=timezone.now()).exists()
    open_rows = StateChange.objects.filter(ended_at__isnull=True)
    assert set(open_rows.values_list("state", "pause_code__code")) == {
        ("on_call", None),
        ("wrap_up", None),
        ("paused", "break"),
        ("paused", "lunch"),
    }

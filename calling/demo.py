"""The calling floor in the demo center: a morning of agent states, so the wallboard has
something to show at once.

Each active agent gets the last four hours through `change_state` (ready, calls from the
phone system with their wrap-up, a pause) and is left in a state that varies by agent:
ready, on a call, wrap-up, on a break, at lunch past its limit (the wallboard's red), or
offline. Runs once (any state row marks it); the beat's idle timeout sends the agents
offline later unless someone works as them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm import demo_steps
from crm.models import Member, MemberStatus, Role

from .models import AgentState, PauseCode, StateChange, StateSource
from .services.states import change_state

PHONE = StateSource.PHONE


def is_seeded() -> bool:
    return StateChange.objects.exists()


def seed() -> dict[str, int]:
    codes = {c.code: c for c in PauseCode.objects.filter(active=True)}
    agents = list(
        Member.objects.filter(role=Role.AGENT, status=MemberStatus.ACTIVE)
        .select_related("user")
        .order_by("employee_no")
    )
    now = timezone.now()
    start = now - dt.timedelta(hours=4)
    rows = 0
    for n, member in enumerate(agents):
        user = member.user
        at = start + dt.timedelta(minutes=n % 20)
        change_state(user, AgentState.READY, at=at)
        for call in range(8 + n % 4):
            at += dt.timedelta(minutes=2 + (n + call) % 5)
            change_state(user, AgentState.ON_CALL, source=PHONE, at=at)
            at += dt.timedelta(minutes=4 + (n + 2 * call) % 7)
            change_state(user, AgentState.WRAP_UP, source=PHONE, at=at)
            at += dt.timedelta(seconds=30 + 15 * (call % 3))
            change_state(user, AgentState.READY, source=StateSource.TIMEOUT, at=at)
        if "restroom" in codes:
            at += dt.timedelta(minutes=10)
            change_state(user, AgentState.PAUSED, pause_code=codes["restroom"], at=at)
            at += dt.timedelta(minutes=6)
            change_state(user, AgentState.READY, at=at)
        last = n % 6
        at = min(max(at, now - dt.timedelta(minutes=40)), now - dt.timedelta(minutes=1))
        if last == 0:
            change_state(user, AgentState.ON_CALL, source=PHONE, at=now - dt.timedelta(minutes=3))
        elif last == 1:
            change_state(user, AgentState.WRAP_UP, source=PHONE, at=now - dt.timedelta(seconds=20))
        elif last == 2 and "break" in codes:
            change_state(user, AgentState.PAUSED, pause_code=codes["break"], at=at)
        elif last == 3 and "lunch" in codes:
            lunch_at = now - dt.timedelta(minutes=70)
            change_state(user, AgentState.PAUSED, pause_code=codes["lunch"], at=lunch_at)
        elif last == 4:
            change_state(user, AgentState.OFFLINE, at=now - dt.timedelta(minutes=15))
        rows = StateChange.objects.count()
    return {"agents": len(agents), "state changes": rows}


demo_steps.register(
    "calling",
    demo_steps.DemoStep(
        order=45,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo calling floor created: {summary}",
        present="Demo calling floor already present.",
    ),
)

"""The calling floor in the demo center: a morning of agent states, so the wallboard has
something to show at once.

Each active agent gets the last four hours through `change_state` (ready, calls from the
phone system with their wrap-up, a pause) and is left in a state that varies by agent:
ready, on a call, wrap-up, on a break, at lunch past its limit (the wallboard's red), or
offline. Runs once (any state row marks it); the beat's idle timeout sends the agents
offline later unless someone works as them.

The phone system: none is configured (agents' "Call" opens a `tel:` link), so the
session works on any desk; a few of the demo agents' longer calls get a short recording
in the center's storage, so the lead timeline, the call page and the quality form show
the player (idempotent: adds only what is missing).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import wave

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from crm import demo_steps
from crm.models import Member, MemberStatus, Role
from leads.models import Call

from .models import AgentState, PauseCode, PhoneSettings, Recording, StateChange, StateSource
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


RECORDINGS = 5


def _tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A quiet 440 Hz tone: something to hear, made here rather than shipped."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        frames.append(128 + int(20 * math.sin(2 * math.pi * 440 * n / rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def seed_phone() -> str:
    PhoneSettings.objects.get_or_create(pk=1)
    calls = list(
        Call.objects.filter(
            agent__isnull=False, duration_seconds__gte=60, recording__isnull=True
        ).order_by("-started_at")[:RECORDINGS]
    )
    if Recording.objects.exists():
        calls = []
    audio = _tone() if calls else b""
    for call in calls:
        name = default_storage.save(f"recordings/demo/{call.pk}.wav", ContentFile(audio))
        Recording.objects.create(call=call, location=name)
        Call.objects.filter(pk=call.pk).update(recording_url=name)
    return f"phone system: none (tel: links), {len(calls)} recordings"


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


demo_steps.register(
    "calling.phone",
    demo_steps.DemoStep(order=46, seed=seed_phone, created="Demo calling floor: {summary}"),
)

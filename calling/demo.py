"""The calling floor in the demo center (idempotent: adds only what is missing).

No phone system is configured (agents' "Call" opens a `tel:` link), so the session works
on any desk; the administrator sees the settings page with the HTTP adapter to fill in.
A few of the demo agents' longer calls get a short recording in the center's storage, so
the lead timeline, the call page and the quality form show the player.
"""

from __future__ import annotations

import io
import math
import wave

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from crm import demo_steps
from leads.models import Call

from .models import PhoneSettings, Recording

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


def seed() -> str:
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
    demo_steps.DemoStep(order=45, seed=seed, created="Demo calling floor: {summary}"),
)

"""Demo risk controls: calling hours, attempt caps, and a week of reveals and exports.

A step of the leads demo (registered in `leads.demo`): it seeds the risk app's records
on the demo leads, so it lives with leads, which builds on risk.

Idempotent: the calling windows and caps are set only where none are, and the history
(reveals, exports, refused contacts) is added once (`is_seeded`). One agent reveals far
more than their peers, so the dashboard has an anomaly to
show.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.phones import mask
from risk.models import ExportRecord, PhoneReveal, RiskEvent, RiskPolicy

from .models import CallingWindow, Lead, LeadPolicy

WINDOWS = [
    ("上午", "12345", dt.time(9, 0), dt.time(12, 0)),
    ("下午", "12345", dt.time(13, 30), dt.time(20, 0)),
    ("周六", "6", dt.time(10, 0), dt.time(17, 0)),
]


def is_seeded() -> bool:
    return PhoneReveal.objects.exists()


def seed() -> dict:
    RiskPolicy.current()
    if not CallingWindow.objects.exists():
        CallingWindow.objects.bulk_create(
            CallingWindow(name=name, weekdays=days, start=start, end=end)
            for name, days, start, end in WINDOWS
        )
    policy = LeadPolicy.current()
    if policy.max_attempts_per_day is None and policy.max_attempts_per_week is None:
        policy.max_attempts_per_day, policy.max_attempts_per_week = 3, 10
        policy.save(update_fields=["max_attempts_per_day", "max_attempts_per_week"])
    if is_seeded():
        return {"history": 0}
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            username__in=[f"agent{n:02d}" for n in range(1, 56)] + ["manager1", "manager2", "head"]
        )
    }
    agents = [users[name] for name in sorted(users) if name.startswith("agent")]
    leads = list(Lead.objects.order_by("pk").values_list("pk", "phone")[:500])
    if not agents or not leads:
        return {"history": 0}
    rng = random.Random(8)
    now = timezone.now()
    reveals = []
    for agent in agents:
        # Most agents reveal a few numbers a day; agent07 walks off with hundreds.
        count = 180 if agent.username == "agent07" else rng.randint(3, 25)
        for _n in range(count):
            pk, phone = rng.choice(leads)
            reveals.append(
                PhoneReveal(
                    user=agent,
                    lead_id=pk,
                    phone_masked=mask(phone),
                    purpose=rng.choice(list(PhoneReveal.Purpose.values)),
                    at=now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 20)),
                )
            )
    PhoneReveal.objects.bulk_create(reveals, batch_size=2000)
    exports = [
        ExportRecord(
            user=users[name],
            kind="leads",
            format=rng.choice(["csv", "xlsx"]),
            row_count=rng.randint(50, 3000),
            query={"status": ["new"]},
            at=now - dt.timedelta(hours=rng.randint(1, 24 * 20)),
        )
        for name in ("manager1", "manager2", "head")
        if name in users
        for _n in range(rng.randint(2, 6))
    ]
    ExportRecord.objects.bulk_create(exports)
    events = [
        RiskEvent(
            kind=rng.choice(list(RiskEvent.Kind.values)),
            user=rng.choice(agents),
            phone_masked=mask(rng.choice(leads)[1]),
            channel=rng.choice(["page", "api", "import"]),
            at=now - dt.timedelta(hours=rng.randint(1, 24 * 20)),
        )
        for _n in range(60)
    ]
    RiskEvent.objects.bulk_create(events)
    return {"reveals": len(reveals), "exports": len(exports), "refused": len(events)}

"""Background jobs of the org. Thin: they take plain values and call a service."""

import datetime as dt

from celery import shared_task

from . import services


@shared_task(name="crm.tasks.headcount_snapshot_take")
def headcount_snapshot_take(day: str | None = None) -> int:
    """Snapshot every team's headcount for `day` (ISO date, default today). Idempotent."""
    return services.headcount_snapshot_take(day=dt.date.fromisoformat(day) if day else None)


@shared_task(name="crm.tasks.ping")
def ping() -> str:
    """Round trip used by readiness checks and tests to prove a worker is consuming."""
    return "pong"

"""Periodic tasks: each app declares its own, the settings collect them for beat.

An app lists what beat runs for it in `<app>/periodic.py` as `SCHEDULE` (name → task name
and interval); `collect()` merges them when the settings load, by the apps' names, so the
kernel imports no business app and a new app schedules its jobs without touching crm.
Intervals are seconds, each overridable from the environment (`seconds()`).
"""

from __future__ import annotations

import os
from importlib import import_module
from importlib.util import find_spec


def seconds(name: str, default: int) -> int:
    """An interval in seconds: the environment variable `name`, else `default`."""
    return int(os.environ.get(name) or default)


def collect(apps: list[str]) -> dict[str, dict]:
    """The beat schedule: every `SCHEDULE` of `<app>.periodic` for the apps that have one."""
    schedule: dict[str, dict] = {}
    for app in apps:
        if find_spec(f"{app}.periodic") is None:
            continue
        for name, entry in import_module(f"{app}.periodic").SCHEDULE.items():
            if name in schedule:
                raise ValueError(f"two periodic tasks are named {name!r}")
            schedule[name] = entry
    return schedule


# The kernel's own: the daily headcount per team, the denominator of monthly attrition.
SCHEDULE = {
    "headcount-snapshot": {
        "task": "crm.tasks.headcount_snapshot_take",
        "schedule": seconds("HEADCOUNT_SNAPSHOT_SECONDS", 3600),
    },
}

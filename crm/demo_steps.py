"""The demo seeder's steps, as a registry: each app's `demo.py` registers its own.

`seed_demo` imports every installed app's `demo` module (which calls `register`) and runs
the steps in `order`: the org first, then each app on top of the apps it builds on. A
step with `is_seeded` runs once (the next run says it is there); one without it is
idempotent and runs every time (it adds only what is missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DemoStep:
    order: int
    seed: Callable[[], Any]
    #: "Demo leads created: {summary}" (or, for an idempotent step, "Demo risk: {summary}").
    created: str
    #: Whether the step already ran; None for a step that may run every time.
    is_seeded: Callable[[], bool] | None = None
    #: What is said when it did.
    present: str = ""
    #: Run instead of `seed` when the step already ran (e.g. top up the catalog).
    when_present: Callable[[], Any] | None = None


_steps: dict[str, DemoStep] = {}


def register(key: str, step: DemoStep) -> None:
    """Add (or replace) the demo step `key` ("leads", "orders", ...)."""
    _steps[key] = step


def discover() -> None:
    """Import every installed app's `demo` module (each registers its steps)."""
    autodiscover_modules("demo")


def steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda step: step.order)


def run(*, say: Callable[[str], None], said_created: Callable[[str], str] = str) -> None:
    """Run every step in order; `say` gets one line per step (`said_created` styles the
    lines of steps that added something)."""
    discover()
    for step in steps():
        if step.is_seeded is not None and step.is_seeded():
            if step.when_present is not None:
                step.when_present()
            say(step.present)
            continue
        summary = step.seed()
        say(said_created(step.created.format(summary=summary)))

"""Order and after-sales measurements: the order lists and the revisit reminder sweep.

Targets are the issue's: my orders and the team's orders, first page, ≤ 30 ms median with
a fixed number of queries (300,000 orders); the reminder job over all due revisits ≤ 5 s
(600,000 revisits). The actors are the leads step's: the first lead owner (about 500
orders) and the manager of the first lead team (about 9,000).

Found on the way: printed by the template (`{% url %}`, the `date` filter and an include
per row), a 50-row page cost about 0.4 ms a row, more than its query; the order views now
prepare those strings once per row in Python (`orders.views._for_display`).
"""

from __future__ import annotations

from importlib import import_module

from django.urls import NoReverseMatch, reverse

from .leads_measure import lead_agent, lead_manager
from .measure import Job, Measurement, NotAvailable


def page(name: str, query: str = ""):
    def path() -> str:
        try:
            return reverse(name) + query
        except NoReverseMatch as error:
            raise NotAvailable(f"{name} is not routed") from error

    return path


def _service(module: str, name: str):
    try:
        function = getattr(import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise NotAvailable(f"{module}.{name} missing") from error
    return function


def _remind(remind) -> str:
    result = remind()
    if isinstance(result, dict):
        return ", ".join(f"{key} {value:,}" for key, value in result.items())
    return f"{result}"


AGENT, MANAGER = lead_agent, lead_manager
MEASUREMENTS: list[Measurement | Job] = [
    Measurement("my orders / agent", page("orders:mine"), AGENT, target_ms=30),
    Measurement("team orders / team manager", page("orders:team"), MANAGER, target_ms=50),
    Measurement("api orders / agent", "/api/orders/", AGENT, target_ms=15),
    Measurement("api orders / team manager", "/api/orders/", MANAGER, target_ms=15),
    Job(
        "job: revisit and ticket reminders",
        lambda: _service("aftersales.services.reminders", "service_reminders_sweep"),
        _remind,
        target_s=5,
    ),
]

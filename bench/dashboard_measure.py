"""Dashboard measurements: the manager's team dashboard and the head's team comparison.

Target is the issue's: the manager dashboard ≤ 150 ms median. The manager is the leads
step's (the manager of the first lead team, the busiest); the comparison is the center
head's (every team). The boards read the period's scorecards when they exist: if the
current month has none in the bench database and the scorecard engine is there
(`performance.services.scorecards.recompute_scorecards`), the first measurement computes
them once (kept, like generated data); otherwise the boards are measured on live sums.
`BENCH_DASHBOARD_LIVE=1` skips that step (to measure the live sums while none exist).
"""

from __future__ import annotations

import os
from importlib import import_module

from django.urls import NoReverseMatch, reverse

from .leads_measure import lead_agent, lead_manager
from .measure import CENTER_HEAD, DIVISION_HEAD, Measurement, NotAvailable

_prepared: list[str] = []


def _scorecards_ready() -> str:
    """Make sure the current month's scorecards exist (once per run); say which path."""
    if _prepared:
        return _prepared[0]
    from performance.models import Scorecard
    from performance.periods import current_period

    period = current_period()
    rows = Scorecard.objects.filter(period_kind=period.kind, period_start=period.start)
    if rows.exists():
        _prepared.append("scorecards")
        return _prepared[0]
    if os.environ.get("BENCH_DASHBOARD_LIVE") == "1":
        _prepared.append("live sums")
        return _prepared[0]
    try:
        recompute = import_module("performance.services.scorecards").recompute_scorecards
    except (ImportError, AttributeError):
        _prepared.append("live sums")
        return _prepared[0]
    print(f"bench: computing the scorecards of {period} for the dashboards …", flush=True)
    recompute(period=period)
    _prepared.append("scorecards")
    return _prepared[0]


def page(name: str, query: str = ""):
    def path() -> str:
        try:
            url = reverse(name)
        except NoReverseMatch as error:
            raise NotAvailable(f"{name} is not routed") from error
        _scorecards_ready()
        return url + query

    return path


def _api(url: str):
    def path() -> str:
        _scorecards_ready()
        return url

    return path


MEASUREMENTS: list[Measurement] = [
    Measurement(
        "manager dashboard / team manager",
        page("performance:team_dashboard"),
        lead_manager,
        target_ms=150,
    ),
    Measurement(
        "manager dashboard, week / team manager",
        page("performance:team_dashboard", "?period_kind=week"),
        lead_manager,
        target_ms=150,
    ),
    Measurement(
        "department comparison dashboard / center head",
        page("performance:department_comparison"),
        CENTER_HEAD,
        target_ms=150,
    ),
    Measurement(
        "department comparison dashboard / division head",
        page("performance:department_comparison"),
        DIVISION_HEAD,
        target_ms=150,
    ),
    Measurement(
        "agent dashboard / agent", page("performance:my_dashboard"), lead_agent, target_ms=150
    ),
    Measurement(
        "api team dashboard / team manager",
        _api("/api/performance/dashboard/team/"),
        lead_manager,
        target_ms=150,
    ),
]

"""KPI measurements (issue 6): recomputing a month's scorecards and the drill-down page.

Targets are the issue's: recomputing one month's scorecards for everyone ≤ 20 s (500
agents, 10,000,000 follow-ups and calls, the orders and revisits of the earlier steps);
a drill-down page ≤ 50 ms median. The manager is the manager of the first lead team (its
agents own leads, calls and follow-ups); the scorecards are last month's, computed by the
kpi step.
"""

from __future__ import annotations

from django.urls import reverse

from performance.models import Level, Scorecard
from performance.periods import current_period

from .leads_measure import lead_manager
from .measure import Job, Measurement, NotAvailable


def _last_month():
    return current_period().previous()


def _card(**subject) -> Scorecard:
    period = _last_month()
    card = (
        Scorecard.objects.filter(period_kind=period.kind, period_start=period.start, **subject)
        .order_by("-total", "id")
        .first()
    )
    if card is None:
        raise NotAvailable("no scorecard of last month: generate the kpi step first")
    return card


def team_drilldown(code: str):
    def path() -> str:
        team = lead_manager().managed_teams.first()
        card = _card(level=Level.TEAM, team=team)
        return reverse("performance:scorecard_drilldown", args=[card.pk, code])

    return path


def agent_drilldown(code: str):
    def path() -> str:
        team = lead_manager().managed_teams.first()
        card = _card(level=Level.AGENT, agent__member__team=team)
        return reverse("performance:scorecard_drilldown", args=[card.pk, code])

    return path


def _api_drilldown(code: str):
    def path() -> str:
        team = lead_manager().managed_teams.first()
        card = _card(level=Level.TEAM, team=team)
        return f"/api/performance/scorecards/{card.pk}/drilldown/?indicator={code}"

    return path


def _recompute(period) -> str:
    from performance.services.scorecards import recompute_scorecards

    counts = recompute_scorecards(period=period)
    return f"{period}: {counts['scorecards']:,} scorecards, {counts['values']:,} values"


MANAGER = lead_manager
MEASUREMENTS: list[Measurement | Job] = [
    Job("kpi job: recompute one month's scorecards", _last_month, _recompute, target_s=20),
    Measurement("kpi drill-down page / manager (team calls)", team_drilldown("calls"), MANAGER, 50),
    Measurement(
        "kpi drill-down page / manager (agent follow-ups)",
        agent_drilldown("followups"),
        MANAGER,
        50,
    ),
    Measurement(
        "kpi drill-down page / manager (team on-time rate)",
        team_drilldown("ontime_followup"),
        MANAGER,
        50,
    ),
    Measurement("kpi api drill-down / manager (team calls)", _api_drilldown("calls"), MANAGER, 15),
    Measurement(
        "kpi scorecard list / manager",
        lambda: reverse("performance:scorecards"),
        MANAGER,
        50,
    ),
]


def department_drilldown(code: str, *, top: bool):
    """The head's view: a division (one of the center's subtrees) or the whole center."""

    def path() -> str:
        from crm.models import Department

        departments = Department.objects.order_by("path")
        department = departments.first() if top else departments.exclude(parent=None).first()
        card = _card(level=Level.DEPARTMENT, department=department)
        return reverse("performance:scorecard_drilldown", args=[card.pk, code])

    return path


def _head(top: bool):
    def actor():
        from crm.models import Department

        departments = Department.objects.order_by("path")
        department = departments.first() if top else departments.exclude(parent=None).first()
        return department.head

    return actor


MEASUREMENTS += [
    Measurement(
        "kpi drill-down page / division head (division calls)",
        department_drilldown("calls", top=False),
        _head(False),
        80,
    ),
    Measurement(
        "kpi drill-down page / center head (center calls)",
        department_drilldown("calls", top=True),
        _head(True),
        80,
    ),
]

"""What the performance dashboards show; every figure is `performance.metrics` (live over a
span) or a stored scorecard, scoped by access.

* `team.team_dashboard(user, team=, period=)`: a manager's morning review of one team.
* `comparison.team_comparison(user, period=)`: a head's teams side by side, and
  `comparison.department_figures()`: a department's own figures.
* `agent.agent_dashboard(user, period=)`: an agent's own figures, their rank and trend.
* `records`: the records behind any live figure (the drill-down of a span).
"""

from crm import access
from crm.models import Team

from .agent import AgentDashboard, agent_dashboard
from .comparison import TeamColumn, department_figures, team_comparison
from .figures import EARLIEST, LATEST, TODAY_SOURCES, FigureRow, FigureSet, cache_seconds
from .team import AgentRow, TeamDashboard, team_dashboard, week_starts

__all__ = [
    "EARLIEST",
    "LATEST",
    "TODAY_SOURCES",
    "AgentDashboard",
    "AgentRow",
    "FigureRow",
    "FigureSet",
    "TeamColumn",
    "TeamDashboard",
    "agent_dashboard",
    "cache_seconds",
    "default_team",
    "department_figures",
    "team_comparison",
    "team_dashboard",
    "week_starts",
]


def default_team(user) -> Team | None:
    """The team a dashboard opens on: the one the user manages, else the first they see."""
    teams = access.visible_teams(user).filter(is_active=True)
    return (
        teams.filter(manager=user).order_by("pk").first()
        or teams.order_by("department__path", "name").first()
    )

"""The live wallboard (/performance/wallboard/): managers watch their team, heads one row
per team of their subtree with a drill-in to each, admins every team. `?tv=1` is the
big-screen mode (no menu, large type) for a TV on the floor.

The page renders the board once and then polls its fragment (`wallboard/live/`, same
parameters) every 2.5 s with htmx; the fragment reads the teams' shared snapshots
(`performance.selectors.wallboard`), so viewers cost a cache read each, not a computation.
A team outside the viewer's scope answers 404; roles without a wallboard are refused.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.access import scope_of
from crm.models import Role
from crm.views import allowed_if
from performance import access as performance_access

from ..selectors.wallboard import snapshots

POLL_SECONDS = "2.5s"


def _board(request) -> dict:
    """What the page and its fragment show: one team, or the overview of the teams."""
    teams = performance_access.wallboard_teams(request.user)
    raw_team = request.GET.get("team", "")
    tv = request.GET.get("tv") == "1"
    team = None
    if raw_team:
        if not raw_team.isdigit() or len(raw_team) > 10:
            raise Http404
        team = teams.filter(pk=int(raw_team)).first()
        if team is None:
            raise Http404
    elif scope_of(request.user).role == Role.TEAM_MANAGER:
        team = teams.filter(manager=request.user).order_by("pk").first() or teams.first()
    now = timezone.now()
    context = {"tv": tv, "now_ts": now.timestamp(), "poll": POLL_SECONDS}
    if team is not None:
        snap = snapshots([team.pk], now=now)[team.pk]
        context.update(team=team, snapshot=snap, overview=None)
    else:
        team_list = list(teams.select_related("department").order_by("department__path", "name"))
        snaps = snapshots([t.pk for t in team_list], now=now)
        context.update(
            team=None,
            overview=[(t, snaps[t.pk]) for t in team_list],
        )
    query = {"team": team.pk if team and raw_team else ""}
    context["query"] = "&".join(
        f"{k}={v}" for k, v in {**query, "tv": "1" if tv else ""}.items() if v
    )
    return context


@require_GET
@allowed_if(performance_access.can_see_wallboard)
def wallboard(request):
    context = _board(request)
    tv_base = "performance/wallboard/tv_base.html"
    context["base_template"] = tv_base if context["tv"] else "base.html"
    return render(request, "performance/wallboard/page.html", context)


@require_GET
@allowed_if(performance_access.can_see_wallboard)
def wallboard_live(request):
    return render(request, "performance/wallboard/board.html", _board(request))


urlpatterns = [
    path("wallboard/", wallboard, name="wallboard"),
    path("wallboard/live/", wallboard_live, name="wallboard_live"),
]

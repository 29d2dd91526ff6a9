"""API: the dashboards, read-only.

* `GET /api/performance/dashboard/team/?team=&period_kind=&period_start=`: a team's board
  (managers, heads, inspectors and admins, for a team they see; without `team`, the team
  they manage or the first they see). A team out of scope answers 404 like a missing one.
* `GET /api/performance/dashboard/me/?period_kind=&period_start=`: the caller's own figures,
  rank and trend. Never another agent's figures: their rank among the team is all there is.

Both read through `performance.selectors.dashboards`, scoped by `crm.access`. Bad
parameters answer 400 naming the parameter.
"""

from __future__ import annotations

import datetime as dt

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from crm import access
from crm.api import ReplicaReadsMixin, ScopedQuerysetMixin
from performance import access as performance_access

from ..models import PeriodKind
from ..periods import Period, current_period, period_containing
from ..selectors import dashboards as boards
from ..selectors.dashboards import EARLIEST, LATEST

MONEY = {"max_digits": 16, "decimal_places": 2}
FIGURE = {"max_digits": 20, "decimal_places": 4}


# --- input --------------------------------------------------------------------------------


class PeriodQuerySerializer(serializers.Serializer):
    period_kind = serializers.ChoiceField(
        choices=PeriodKind.choices,
        required=False,
        help_text="week, month (default) or quarter",
    )
    period_start = serializers.DateField(
        required=False,
        help_text="Any day of the period (YYYY-MM-DD); default: the current one.",
    )

    def validate_period_start(self, value: dt.date) -> dt.date:
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                f"period_start must be between {EARLIEST} and {LATEST}."
            )
        return value

    def period(self) -> Period:
        kind = self.validated_data.get("period_kind") or PeriodKind.MONTH
        start = self.validated_data.get("period_start")
        return period_containing(kind, start) if start else current_period(kind)


class TeamQuerySerializer(PeriodQuerySerializer):
    team = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Team id; default: the team the caller manages, else the first they see.",
    )


# --- output -------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()


class TodaySerializer(serializers.Serializer):
    """Today so far, live: the indicators of `performance.metrics` from local midnight to
    `computed_at` (orders net of reversals, complaints = complaint tickets opened)."""

    calls = serializers.IntegerField()
    talk_minutes = serializers.DecimalField(max_digits=12, decimal_places=1)
    followups = serializers.IntegerField()
    orders = serializers.IntegerField()
    sales_amount = serializers.DecimalField(source="sales", **MONEY)
    cash_collected = serializers.DecimalField(
        source="cash", **MONEY, help_text="Payments received today, net of refunds (回款)."
    )
    complaints = serializers.IntegerField()
    computed_at = serializers.DateTimeField()


class FigureSerializer(serializers.Serializer):
    source = serializers.CharField()
    indicator = serializers.IntegerField(source="indicator_id", allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.DecimalField(**FIGURE, allow_null=True)
    target = serializers.DecimalField(**FIGURE, allow_null=True)
    achievement = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    numerator = serializers.DecimalField(**FIGURE, allow_null=True)
    denominator = serializers.DecimalField(**FIGURE, allow_null=True)
    higher_is_better = serializers.BooleanField()
    live = serializers.BooleanField(help_text="Computed now; else read from the scorecard.")
    computed_at = serializers.DateTimeField()


class LeaderSerializer(serializers.Serializer):
    agent = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    scorecard = serializers.IntegerField(source="scorecard_id", allow_null=True)
    total = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    rank_of = serializers.IntegerField(allow_null=True)
    sales_amount = serializers.DecimalField(source="sales", **FIGURE)
    orders = serializers.IntegerField()
    calls = serializers.IntegerField()
    talk_minutes = serializers.DecimalField(**FIGURE)
    followups = serializers.IntegerField()
    conversion = serializers.DecimalField(**FIGURE, allow_null=True)
    ontime_rate = serializers.DecimalField(**FIGURE, allow_null=True)


class FunnelSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    contacted = serializers.IntegerField()
    interested = serializers.IntegerField()
    ordered = serializers.IntegerField()


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField()
    average = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    revisits = serializers.IntegerField()


class OverdueSerializer(serializers.Serializer):
    followups = serializers.IntegerField()
    revisits = serializers.IntegerField()
    tickets = serializers.IntegerField()
    plans = serializers.IntegerField()


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeamDashboardSerializer(serializers.Serializer):
    team = TeamRefSerializer()
    period = PeriodSerializer()
    from_scorecard = serializers.BooleanField()
    scorecard = serializers.IntegerField(allow_null=True)
    today = TodaySerializer()
    figures = FigureSerializer(many=True)
    leaderboard = LeaderSerializer(many=True)
    funnel = FunnelSerializer()
    satisfaction = WeekSerializer(many=True)
    overdue = OverdueSerializer()


class TrendSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    label = serializers.CharField()
    total = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    rank_of = serializers.IntegerField(allow_null=True)
    sales_amount = serializers.DecimalField(**MONEY)


class MyDashboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    from_scorecard = serializers.BooleanField()
    scorecard = serializers.IntegerField(allow_null=True)
    total = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    rank_of = serializers.IntegerField(allow_null=True)
    today = TodaySerializer()
    figures = FigureSerializer(many=True)
    trend = TrendSerializer(many=True)


def _period_data(period: Period) -> dict:
    return {"kind": period.kind, "start": period.start, "end": period.end, "label": str(period)}


# --- views --------------------------------------------------------------------------------


class _DashboardView(ReplicaReadsMixin, ScopedQuerysetMixin, generics.GenericAPIView):
    filter_backends: list = []
    pagination_class = None

    def query(self, serializer_class):
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query


class TeamDashboardView(_DashboardView):
    """A team's dashboard: today, this period against target, leaderboard, funnel, …"""

    visibility = access.visible_teams
    serializer_class = TeamDashboardSerializer

    @extend_schema(
        tags=["performance"],
        parameters=[TeamQuerySerializer],
        responses={200: TeamDashboardSerializer},
    )
    def get(self, request):
        if not performance_access.can_see_team_performance(request.user):
            raise PermissionDenied("Team dashboards are for managers, heads, inspectors, admins.")
        query = self.query(TeamQuerySerializer)
        team_id = query.validated_data.get("team")
        if team_id is None:
            team = boards.default_team(request.user)
        else:
            team = self.get_queryset().filter(pk=team_id).first()
        if team is None:
            raise NotFound("No such team in your scope.")
        board = boards.team_dashboard(request.user, team=team, period=query.period())
        data = {
            "team": {"id": team.pk, "name": team.name},
            "period": _period_data(board.period),
            "from_scorecard": board.from_scorecard,
            "scorecard": board.team_scorecard.pk if board.team_scorecard else None,
            "today": board.today,
            "figures": board.figures,
            "leaderboard": board.leaderboard,
            "funnel": board.funnel,
            "satisfaction": board.satisfaction,
            "overdue": board.overdue,
        }
        return Response(TeamDashboardSerializer(data).data)


class MyDashboardView(_DashboardView):
    """The caller's own figures today and this period, their rank and last periods."""

    visibility = performance_access.visible_scorecards
    serializer_class = MyDashboardSerializer

    @extend_schema(
        tags=["performance"],
        parameters=[PeriodQuerySerializer],
        responses={200: MyDashboardSerializer},
    )
    def get(self, request):
        query = self.query(PeriodQuerySerializer)
        board = boards.agent_dashboard(request.user, period=query.period())
        data = {
            "period": _period_data(board.period),
            "from_scorecard": board.from_scorecard,
            "scorecard": board.scorecard.pk if board.scorecard else None,
            "total": board.scorecard.total if board.scorecard else None,
            "rank": board.rank,
            "rank_of": board.rank_of,
            "today": board.today,
            "figures": board.figures,
            "trend": [
                {
                    "period_start": point["period"].start,
                    "label": point["label"],
                    "total": point["total"],
                    "rank": point["rank"],
                    "rank_of": point["rank_of"],
                    "sales_amount": point["sales"],
                }
                for point in board.trend
            ],
        }
        return Response(MyDashboardSerializer(data).data)


class WallboardQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Team id: that team's agents; without it, one row per team the caller sees.",
    )


class WallboardAgentSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.CharField(help_text="ready, on_call, wrap_up, paused or offline")
    state_label = serializers.CharField()
    pause_code = serializers.CharField(allow_null=True)
    pause_label = serializers.CharField(allow_null=True)
    max_minutes = serializers.IntegerField(allow_null=True, help_text="The pause code's limit.")
    since = serializers.FloatField(allow_null=True, help_text="State start (Unix seconds).")
    seconds_in_state = serializers.IntegerField(allow_null=True)
    last_call = serializers.FloatField(allow_null=True, help_text="Last call begun today.")
    level = serializers.CharField(help_text="'' , near (a pause near its limit) or over")
    alerts = serializers.ListField(
        child=serializers.CharField(), help_text="pause_over, no_call (ready, no call for 1 h)"
    )
    calls = serializers.IntegerField()
    talk_minutes = serializers.FloatField()
    followups = serializers.IntegerField()
    orders = serializers.IntegerField()
    sales = serializers.DecimalField(**MONEY)
    occupancy = serializers.FloatField(allow_null=True, help_text="% today")
    leads_due = serializers.IntegerField()
    leads_waiting = serializers.IntegerField()


class WallboardTotalsSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    alerts = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    calls = serializers.IntegerField()
    talk_minutes = serializers.FloatField()
    followups = serializers.IntegerField()
    orders = serializers.IntegerField()
    sales = serializers.DecimalField(**MONEY)
    occupancy = serializers.FloatField(allow_null=True)
    leads_due = serializers.IntegerField()
    leads_waiting = serializers.IntegerField()


class WallboardTeamSerializer(serializers.Serializer):
    team_id = serializers.IntegerField()
    team_name = serializers.CharField()
    computed_at = serializers.FloatField(help_text="When the shared snapshot was computed.")
    totals = WallboardTotalsSerializer()
    agents = WallboardAgentSerializer(many=True, required=False)


class WallboardSerializer(serializers.Serializer):
    teams = WallboardTeamSerializer(many=True)


class WallboardView(_DashboardView):
    """The live wallboard as JSON: a team's agents (state, time in it, today's work,
    alerts), or one row per team (managers their team, heads their subtree, admins all).
    Shared snapshots, at most `WALLBOARD_SNAPSHOT_SECONDS` old."""

    visibility = access.visible_teams
    serializer_class = WallboardSerializer

    @extend_schema(
        tags=["performance"],
        parameters=[WallboardQuerySerializer],
        responses={200: WallboardSerializer},
    )
    def get(self, request):
        from django.utils import timezone

        from ..selectors.wallboard import snapshots

        if not performance_access.can_see_wallboard(request.user):
            raise PermissionDenied("The wallboard is for managers, heads and admins.")
        query = self.query(WallboardQuerySerializer)
        teams = performance_access.wallboard_teams(request.user)
        team_id = query.validated_data.get("team")
        if team_id is not None:
            teams = teams.filter(pk=team_id)
            if not teams.exists():
                raise NotFound("No such team in your scope.")
        ids = list(teams.order_by("department__path", "name").values_list("pk", flat=True))
        now = timezone.now()
        snaps = snapshots(ids, now=now)
        rows = []
        for pk in ids:
            snap = dict(snaps[pk])
            if team_id is None:
                snap.pop("agents")
            else:
                snap["agents"] = [
                    {
                        **agent,
                        "seconds_in_state": (
                            max(0, int(now.timestamp() - agent["since"]))
                            if agent["since"]
                            else None
                        ),
                    }
                    for agent in snap["agents"]
                ]
            rows.append(snap)
        return Response(WallboardSerializer({"teams": rows}).data)


urlpatterns = [
    path("wallboard/", WallboardView.as_view(), name="performance-wallboard"),
    path("dashboard/team/", TeamDashboardView.as_view(), name="performance-dashboard-team"),
    path("dashboard/me/", MyDashboardView.as_view(), name="performance-dashboard-me"),
]

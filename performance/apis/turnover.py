"""Monthly turnover per team and department."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm import access
from crm.api import ScopedQuerysetMixin
from performance import access as performance_access

from ..models import Level
from ..selectors import turnover as turnover_selectors
from .common import RuleOrRead

# --- serializers --------------------------------------------------------------------------


class TurnoverRowSerializer(serializers.Serializer):
    month = serializers.DateField()
    level = serializers.ChoiceField(choices=Level.choices)
    team = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    leavers = serializers.IntegerField()
    hires = serializers.IntegerField()
    average_headcount = serializers.DecimalField(max_digits=12, decimal_places=2)
    attrition = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    mean_tenure_days = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    reasons = serializers.DictField(child=serializers.IntegerField())


# --- viewsets -----------------------------------------------------------------------------


@extend_schema(tags=["performance"])
class TurnoverViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Monthly turnover for the last twelve months, one row per team or department (with
    its subtree) and month: leavers, hires, average headcount, attrition %, mean tenure
    at exit, leave reasons. Teams and departments the caller sees (managers: their teams)."""

    visibility = access.visible_teams
    permission_classes = [RuleOrRead]
    action_rules = {"list": staticmethod(performance_access.can_see_team_performance)}
    serializer_class = TurnoverRowSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=["team", "department"]),
            OpenApiParameter("team", OpenApiTypes.INT),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("month", OpenApiTypes.DATE, description="Any day of the month."),
        ],
        responses={200: TurnoverRowSerializer(many=True)},
    )
    def list(self, request):
        params = request.query_params
        rows = turnover_selectors.turnover_rows(turnover_selectors.turnover(request.user))
        if params.get("level") in ("team", "department"):
            rows = [row for row in rows if row["level"] == params["level"]]
        for name in ("team", "department"):
            if params.get(name):
                try:
                    wanted = int(params[name])
                except ValueError:
                    raise ValidationError({name: _("Enter a whole number.")}) from None
                rows = [row for row in rows if row[name] == wanted]
        if params.get("month"):
            try:
                month = dt.date.fromisoformat(params["month"]).replace(day=1)
            except ValueError:
                raise ValidationError({"month": _("Enter a date.")}) from None
            rows = [row for row in rows if row["month"] == month]
        return Response(TurnoverRowSerializer(rows, many=True).data)

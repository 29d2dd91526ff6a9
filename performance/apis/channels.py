"""API: the channel, campaign and product effectiveness report
(`GET /api/performance/channel-report/?start=&end=&by=`), the same figures as the page."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crm.api import ScopedQuerysetMixin
from performance import access as performance_access

from ..forms_scorecards import ChannelReportForm
from ..selectors import channels as channel_selectors

MONEY = {"max_digits": 14, "decimal_places": 2}


class ChannelQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (default: the 1st).")
    end = serializers.DateField(required=False, help_text="Last day, included (default: today).")
    by = serializers.ChoiceField(choices=channel_selectors.GROUPS, required=False)

    def validate(self, attrs):
        form = ChannelReportForm(
            {
                key: (value.isoformat() if hasattr(value, "isoformat") else value)
                for key, value in attrs.items()
            }
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {key: [str(error) for error in errors] for key, errors in form.errors.items()}
            )
        return attrs


class ChannelRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="Channel code, campaign id or product.")
    name = serializers.CharField()
    leads = serializers.IntegerField()
    contacted = serializers.IntegerField()
    contact_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    won = serializers.IntegerField()
    conversion = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    orders = serializers.IntegerField(help_text="Confirmed, net of cancellations and refunds.")
    revenue = serializers.DecimalField(**MONEY)
    cost = serializers.DecimalField(**MONEY, allow_null=True)
    cost_per_order = serializers.DecimalField(**MONEY, allow_null=True)
    return_on_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Revenue / cost."
    )


class ChannelReportSerializer(serializers.Serializer):
    by = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    with_costs = serializers.BooleanField(help_text="Costs are shown to whole-center roles.")
    rows = ChannelRowSerializer(many=True)
    total = ChannelRowSerializer()


class ChannelReportView(ScopedQuerysetMixin, generics.GenericAPIView):
    """投入产出: leads, contact rate, conversion, orders, revenue and (for admins and
    inspectors) cost, cost per order and return, per channel, campaign or product."""

    visibility = performance_access.visible_channel_days
    serializer_class = ChannelReportSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=["performance"],
        parameters=[ChannelQuerySerializer],
        responses={200: ChannelReportSerializer},
    )
    def get(self, request):
        if not performance_access.can_see_team_performance(request.user):
            raise PermissionDenied("The channel report is for managers, heads, inspectors, admins.")
        query = ChannelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end.replace(day=1)
        report = channel_selectors.channel_report(
            request.user, start=start, end=end, by=data.get("by") or "channel"
        )
        for row in [*report.rows, report.total]:
            row.key = None if row.key is None else str(row.key)
        return Response(ChannelReportSerializer(report).data)


urlpatterns = [
    path("channel-report/", ChannelReportView.as_view(), name="performance-channel-report"),
]

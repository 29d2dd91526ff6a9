"""API: indicators, weights, targets, scorecards (with drill-down) and quality scores.

Under /api/performance/. Rows come through `crm.api` scoped viewsets and the
`crm.access.visible_*` selectors: an agent lists only their own scorecard (with its rank
and how many it is ranked among), never another's. Writes go through
`performance.services`; their refusals are 400s naming the field.
"""

from __future__ import annotations

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from crm.api import FastRowsMixin, ScopedReadOnlyViewSet, ScopedViewSet, user_name
from crm.api_defaults import IsActiveStaff
from performance import access as performance_access

from ..metrics import metric_for
from ..models import Indicator, KpiWeight, Level, PeriodKind, Scorecard, ScorecardValue
from ..periods import parse_period
from ..selectors import scorecards as selectors
from ..services import scorecards as scorecard_services
from .common import IdFilter
from .quality import QualityScoreViewSet
from .targets import TargetViewSet

DRILLDOWN_PAGE = 50


# --- permissions --------------------------------------------------------------------------


class ConfiguresPerformance(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return (
            request.method in permissions.SAFE_METHODS
            or performance_access.can_configure_performance(request.user)
        )


class ReadsScorecards(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "recompute":
            return performance_access.can_manage_performance(request.user)
        return True


# --- indicators and weights ---------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="The name shown, in your language.")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "label",
            "family",
            "source",
            "unit",
            "higher_is_better",
            "description",
            "position",
            "is_active",
        ]


class KpiWeightSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiWeight
        fields = ["id", "indicator", "level", "weight"]
        validators = []  # (indicator, level) is checked below, as a 400 naming the field

    def validate(self, attrs):
        indicator = attrs.get("indicator", getattr(self.instance, "indicator", None))
        level = attrs.get("level", getattr(self.instance, "level", None))
        twins = KpiWeight.objects.filter(indicator=indicator, level=level)
        if self.instance is not None:
            twins = twins.exclude(pk=self.instance.pk)
        if twins.exists():
            raise ValidationError({"level": "This indicator already has a weight at this level."})
        return attrs


class RecomputesOnChange:
    """Configuration changes recompute the current periods' scorecards after commit."""

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()
            scorecard_services.queue_current_recompute()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()
            scorecard_services.queue_current_recompute()

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
            scorecard_services.queue_current_recompute()


@extend_schema_view(
    list=extend_schema(description="KPI definitions; every member reads, admins write."),
)
class IndicatorViewSet(RecomputesOnChange, ScopedViewSet):
    visibility = performance_access.visible_indicators
    permission_classes = [ConfiguresPerformance]
    serializer_class = IndicatorSerializer
    ordering_fields = ["position", "code"]
    ordering = ["position", "id"]
    search_fields = ["code", "name"]


class WeightFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    indicator = IdFilter()

    class Meta:
        model = KpiWeight
        fields = ["level", "indicator"]


@extend_schema_view(
    list=extend_schema(description="Weights (%) of the indicators per level; admins write."),
)
class KpiWeightViewSet(RecomputesOnChange, ScopedViewSet):
    visibility = performance_access.visible_kpi_weights
    permission_classes = [ConfiguresPerformance]
    serializer_class = KpiWeightSerializer
    filterset_class = WeightFilter
    ordering = ["level", "indicator__position", "id"]

    def refine_queryset(self, queryset):
        return queryset.order_by("level", "indicator__position", "id")


# --- scorecards -----------------------------------------------------------------------------


class ScorecardValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    indicator_label = serializers.CharField(source="indicator.label", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)

    class Meta:
        model = ScorecardValue
        fields = [
            "indicator",
            "indicator_code",
            "indicator_name",
            "indicator_label",
            "unit",
            "numerator",
            "denominator",
            "value",
            "target",
            "achievement",
            "weight",
            "points",
        ]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    subject_name = serializers.SerializerMethodField()
    values = ScorecardValueSerializer(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "level",
            "agent",
            "team",
            "department",
            "subject_name",
            "period_kind",
            "period_start",
            "total",
            "rank",
            "rank_of",
            "computed_at",
            "values",
        ]
        read_only_fields = fields

    def get_subject_name(self, obj) -> str:
        return selectors.subject_name(obj)


class DrilldownRowSerializer(FastRowsMixin, serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    agent = serializers.IntegerField(source="agent.pk", allow_null=True, default=None)
    agent_name = serializers.SerializerMethodField()
    lead = serializers.IntegerField(source="lead_id", allow_null=True)
    lead_name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked unless the caller sees full numbers.")
    detail = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)

    class Meta:
        row_type = selectors.RecordRow

    def get_agent_name(self, obj) -> str | None:
        return user_name(obj.agent)


class DrilldownPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = DrilldownRowSerializer(many=True)


class RecomputeSerializer(serializers.Serializer):
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = serializers.DateField(required=False, allow_null=True)


class RecomputeAnswerSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    period_kind = serializers.CharField()
    period_start = serializers.DateField()


class ScorecardFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    period_kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)
    period_start = django_filters.DateFilter()
    agent = IdFilter()
    team = IdFilter()
    department = IdFilter()

    class Meta:
        model = Scorecard
        fields = ["level", "period_kind", "period_start", "agent", "team", "department"]


@extend_schema_view(
    list=extend_schema(
        description="Scorecards in the caller's scope with their values; an agent sees only "
        "their own (with `rank` and `rank_of`)."
    ),
)
class ScorecardViewSet(ScopedReadOnlyViewSet):
    visibility = performance_access.visible_scorecards
    permission_classes = [ReadsScorecards]
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    ordering_fields = ["total", "period_start"]
    ordering = ["-period_start", "level", "-total", "id"]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("agent", "team", "department").order_by(
            "-period_start", "level", "-total", "id"
        )
        if self.action == "drilldown":
            # A drill-down lists records, not the scorecard's values: no two more queries.
            return queryset
        return selectors.with_values(queryset)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "indicator",
                OpenApiTypes.STR,
                required=True,
                description="The indicator's code, e.g. calls.",
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="1, 2, … (50 a page)."),
        ],
        responses={200: DrilldownPageSerializer},
        description="The records behind one value of the scorecard, newest first, 50 a "
        "page. Pages are not counted: `has_next` says whether another follows (the value "
        "on the scorecard says how much is behind it).",
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering=None)
    def drilldown(self, request, pk=None):
        scorecard = self.get_object()
        code = request.query_params.get("indicator", "")
        indicator = performance_access.visible_indicators(request.user).filter(code=code).first()
        if indicator is None:
            raise ValidationError({"indicator": "Name an indicator by its code."})
        try:
            number = int(request.query_params.get("page") or 1)
        except ValueError:
            number = 0
        if not 1 <= number <= 100_000:
            raise ValidationError({"page": "A page is a whole number from 1."})
        records, has_next = selectors.drilldown_page(
            scorecard, indicator, page=number, size=DRILLDOWN_PAGE
        )
        rows = selectors.record_rows(request.user, metric_for(indicator.source), records)
        return Response(
            DrilldownPageSerializer({"page": number, "has_next": has_next, "results": rows}).data
        )

    @extend_schema(
        request=RecomputeSerializer,
        responses={202: RecomputeAnswerSerializer},
        description="Queue a recompute of one period's scorecards (managers, heads, admins).",
    )
    @action(detail=False, methods=["post"])
    def recompute(self, request):
        serializer = RecomputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            period = parse_period(
                serializer.validated_data["period_kind"],
                serializer.validated_data.get("period_start"),
            )
        except ValueError as error:
            raise ValidationError({"period_start": str(error)}) from None
        scorecard_services.queue_recompute(period=period)
        return Response(
            {"queued": True, "period_kind": period.kind, "period_start": period.start},
            status=status.HTTP_202_ACCEPTED,
        )


router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="performance-indicator")
router.register("weights", KpiWeightViewSet, basename="performance-weight")
router.register("targets", TargetViewSet, basename="performance-target")
router.register("scorecards", ScorecardViewSet, basename="performance-scorecard")
router.register("quality-scores", QualityScoreViewSet, basename="performance-quality-score")

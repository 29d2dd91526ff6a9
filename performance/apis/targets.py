"""Targets per agent, team or department, indicator and period (set again: replaced)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api import ScopedViewSet, user_name
from crm.api_defaults import IsActiveStaff
from performance import access as performance_access

from ..models import Indicator, Level, PeriodKind, Target
from ..periods import Period, parse_period
from ..services import targets as target_services
from .common import MAX_ID, IdFilter

# --- permissions --------------------------------------------------------------------------


class SetsTargets(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or performance_access.can_set_targets(
            request.user
        )


# --- targets --------------------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    set_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "level",
            "agent",
            "team",
            "department",
            "indicator",
            "period_kind",
            "period_start",
            "value",
            "set_by",
            "set_by_name",
            "set_at",
        ]
        read_only_fields = fields

    def get_set_by_name(self, obj) -> str | None:
        return user_name(obj.set_by)


class TargetWriteSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    subject = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The agent's user id, or the team's or department's id.",
    )
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.filter(is_active=True)
    )
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = serializers.DateField(required=False, allow_null=True)
    value = serializers.DecimalField(max_digits=16, decimal_places=4, min_value=0)


class TargetValueSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=4, min_value=0)


class TargetFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    period_kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)
    period_start = django_filters.DateFilter()
    agent = IdFilter()
    team = IdFilter()
    department = IdFilter()
    indicator = django_filters.CharFilter(field_name="indicator__code")

    class Meta:
        model = Target
        fields = ["level", "period_kind", "period_start", "agent", "team", "department"]


@extend_schema_view(
    list=extend_schema(description="Targets in the caller's scope (agents: their own)."),
    create=extend_schema(
        request=TargetWriteSerializer,
        responses={201: TargetSerializer},
        description="Set a target (again: replaces it). Managers for their agents and team, "
        "heads for their subtree, admins anywhere.",
    ),
    update=extend_schema(request=TargetValueSerializer, responses={200: TargetSerializer}),
    partial_update=extend_schema(request=TargetValueSerializer, responses={200: TargetSerializer}),
)
class TargetViewSet(ScopedViewSet):
    visibility = performance_access.visible_targets
    permission_classes = [SetsTargets]
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    ordering = ["-period_start", "indicator__position", "id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("indicator", "set_by").order_by(
            "-period_start", "indicator__position", "id"
        )

    def _set(self, *, level, subject_id, indicator, period, value):
        return target_services.set_target(
            by=self.request.user,
            indicator=indicator,
            level=level,
            subject_id=subject_id,
            period=period,
            value=value,
        )

    def create(self, request, *args, **kwargs):
        serializer = TargetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            period = parse_period(data["period_kind"], data.get("period_start"))
        except ValueError as error:
            raise ValidationError({"period_start": str(error)}) from None
        target = self._set(
            level=data["level"],
            subject_id=data["subject"],
            indicator=data["indicator"],
            period=period,
            value=data["value"],
        )
        target = self.refine_queryset(Target.objects.filter(pk=target.pk)).get()
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        target = self.get_object()
        serializer = TargetValueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subject = target.agent_id or target.team_id or target.department_id
        target = self._set(
            level=target.level,
            subject_id=subject,
            indicator=target.indicator,
            period=Period(target.period_kind, target.period_start),
            value=serializer.validated_data["value"],
        )
        target = self.refine_queryset(Target.objects.filter(pk=target.pk)).get()
        return Response(TargetSerializer(target).data)

    def destroy(self, request, *args, **kwargs):
        target = self.get_object()
        self._set(
            level=target.level,
            subject_id=target.agent_id or target.team_id or target.department_id,
            indicator=target.indicator,
            period=Period(target.period_kind, target.period_start),
            value=None,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

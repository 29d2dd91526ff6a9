"""Performance improvement plans: opened by hand or from a scorecard suggestion, coaching
sessions, closing with an outcome."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api import ScopedQuerysetMixin, ScopedRelatedField, user_name, visible_staff_users
from performance import access as performance_access

from ..models import CoachingSession, ImprovementPlan, PeriodKind
from ..periods import parse_period
from ..selectors import people as selectors
from ..services import improvement
from .common import EARLIEST, LATEST, RuleOrRead

# --- serializers --------------------------------------------------------------------------


class ImprovementPlanSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ImprovementPlan
        fields = [
            "id",
            "agent",
            "agent_name",
            "team",
            "scorecard",
            "origin",
            "reason",
            "goals",
            "coach",
            "starts_on",
            "due_on",
            "status",
            "outcome",
            "created_at",
            "closed_at",
            "is_overdue",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_agent_name(self, row) -> str:
        return user_name(row.agent)

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, row) -> bool:
        return bool(getattr(row, "is_overdue", False))


class ImprovementOpenSerializer(serializers.Serializer):
    agent = ScopedRelatedField(visibility=visible_staff_users, help_text="The agent's user id.")
    reason = serializers.CharField(max_length=4000)
    goals = serializers.CharField(max_length=4000)
    starts_on = serializers.DateField(required=False)
    due_on = serializers.DateField()
    scorecard = ScopedRelatedField(
        visibility=performance_access.visible_scorecards, required=False, allow_null=True
    )

    def validate(self, data):
        for name in ("starts_on", "due_on"):
            if name in data and not EARLIEST <= data[name] <= LATEST:
                raise serializers.ValidationError({name: _("Choose a date between 2000 and 2999.")})
        return data


class CoachingSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoachingSession
        fields = ["id", "plan", "kind", "at", "coach", "notes", "progress"]
        read_only_fields = fields


class CoachingSessionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=CoachingSession.Kind.choices, default=CoachingSession.Kind.COACHING
    )
    notes = serializers.CharField(max_length=4000)
    progress = serializers.IntegerField(min_value=0, max_value=100)


class ImprovementCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(improvement.CLOSED))
    outcome = serializers.CharField(max_length=4000)


class SuggestionSerializer(serializers.Serializer):
    scorecard = serializers.IntegerField(source="scorecard.pk")
    agent = serializers.IntegerField(source="scorecard.agent_id")
    agent_name = serializers.SerializerMethodField()
    team_name = serializers.CharField()
    total = serializers.DecimalField(source="scorecard.total", max_digits=7, decimal_places=2)
    below_threshold = serializers.BooleanField()
    bottom_of_team = serializers.BooleanField()

    @extend_schema_field(serializers.CharField())
    def get_agent_name(self, row) -> str:
        return user_name(row.scorecard.agent)


# --- viewsets -----------------------------------------------------------------------------


@extend_schema(tags=["performance"])
class ImprovementPlanViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Performance improvement plans: opened by hand or from a scorecard suggestion, with
    coaching sessions and check-ins (`sessions`), closed with an outcome (`close`)."""

    visibility = performance_access.visible_improvement_plans
    permission_classes = [RuleOrRead]
    write_rule = staticmethod(performance_access.can_manage_performance)
    action_rules = {"suggestions": staticmethod(performance_access.can_manage_performance)}
    serializer_class = ImprovementPlanSerializer
    filterset_fields = ["agent", "team", "status", "origin"]
    ordering = ["-created_at", "-pk"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent")

    def _answer(self, plan, code=status.HTTP_200_OK):
        row = selectors.improvement_plans_for_list(self.request.user).get(pk=plan.pk)
        return Response(ImprovementPlanSerializer(row).data, status=code)

    @extend_schema(
        request=ImprovementOpenSerializer,
        responses={201: ImprovementPlanSerializer},
        description="One open plan per agent (a 400 naming `agent` otherwise).",
    )
    def create(self, request, *args, **kwargs):
        serializer = ImprovementOpenSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scorecard = data.get("scorecard")
        plan = improvement.improvement_plan_open(
            by=request.user,
            agent=data["agent"],
            reason=data["reason"],
            goals=data["goals"],
            starts_on=data.get("starts_on"),
            due_on=data["due_on"],
            scorecard=scorecard,
            origin=(
                ImprovementPlan.Origin.SUGGESTED if scorecard else ImprovementPlan.Origin.MANUAL
            ),
        )
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], request=None, responses={200: CoachingSessionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=CoachingSessionWriteSerializer,
        responses={201: CoachingSessionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def sessions(self, request, pk=None):
        plan = self.get_object()
        if request.method == "GET":
            return Response(
                CoachingSessionSerializer(selectors.plan_sessions(plan), many=True).data
            )
        if not performance_access.can_manage_performance(request.user):
            self.permission_denied(request)
        serializer = CoachingSessionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = improvement.coaching_session_add(
            by=request.user,
            plan=plan,
            **serializer.validated_data,
        )
        return Response(CoachingSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImprovementCloseSerializer, responses={200: ImprovementPlanSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        plan = self.get_object()
        serializer = ImprovementCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = improvement.improvement_plan_close(
            by=request.user,
            plan=plan,
            **serializer.validated_data,
        )
        return self._answer(plan)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period_start",
                OpenApiTypes.DATE,
                description="A day of the month (default: this month).",
            )
        ],
        responses={200: SuggestionSerializer(many=True)},
        description="Agents in scope whose scorecard total for the month is below "
        "PERFORMANCE_IMPROVEMENT_BELOW or in their team's bottom 10 %, without an open plan.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request):
        try:
            period = parse_period(PeriodKind.MONTH, request.query_params.get("period_start"))
        except ValueError as error:
            raise ValidationError({"period_start": str(error)}) from error
        if not EARLIEST <= period.start <= LATEST:
            raise ValidationError({"period_start": _("Choose a date between 2000 and 2999.")})
        rows = improvement.suggest_improvement_plans(by=request.user, period=period)
        return Response(SuggestionSerializer(rows, many=True).data)

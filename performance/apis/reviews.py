"""360-degree reviews and their ratings, and personal development plans.

Rows come through `crm.api`'s scoped classes (`crm.access`): a row outside the caller's
scope answers 404. Changes go through `performance.services.reviews`, whose refusals are
400s naming the field (`status` for a move the record's state does not allow).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import (
    ScopedQuerysetMixin,
    ScopedRelatedField,
    ScopedViewSet,
    user_name,
    visible_staff_users,
)
from performance import access as performance_access

from ..models import DevelopmentPlan, Evaluation, EvaluationRating, PeriodKind
from ..periods import period_containing
from ..selectors import people as selectors
from ..services import reviews
from .common import RuleOrRead, period_start_in_range

# --- serializers --------------------------------------------------------------------------


class EvaluationSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "agent",
            "agent_name",
            "period_kind",
            "period_start",
            "status",
            "quantitative",
            "qualitative",
            "final",
            "summary",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_agent_name(self, row) -> str:
        return user_name(row.agent)


class EvaluationOpenSerializer(serializers.Serializer):
    agent = ScopedRelatedField(visibility=visible_staff_users, help_text="The agent's user id.")
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = serializers.DateField()

    def validate_period_start(self, value):
        return period_start_in_range(value)


class RateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=EvaluationRating.Kind.choices,
        help_text="supervisor, peer or self; customer ratings are computed (400).",
    )
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class EvaluationCloseSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RatingSerializer(serializers.ModelSerializer):
    rater = serializers.SerializerMethodField()
    rater_name = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRating
        fields = ["id", "evaluation", "kind", "score", "comment", "at", "rater", "rater_name"]
        read_only_fields = fields

    def _hidden(self, row) -> bool:
        if row.kind != EvaluationRating.Kind.PEER:
            return False
        user = self.context["request"].user
        return not selectors.sees_peer_names(user, row.evaluation)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_rater(self, row) -> int | None:
        return None if self._hidden(row) else row.rater_id

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rater_name(self, row) -> str | None:
        return None if self._hidden(row) else user_name(row.rater)


class DevelopmentPlanSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = DevelopmentPlan
        fields = [
            "id",
            "agent",
            "agent_name",
            "evaluation",
            "goals",
            "actions",
            "courses",
            "due_on",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_agent_name(self, row) -> str:
        return user_name(row.agent)


class DevelopmentPlanWriteSerializer(serializers.Serializer):
    agent = ScopedRelatedField(visibility=visible_staff_users, help_text="The agent's user id.")
    evaluation = ScopedRelatedField(
        visibility=performance_access.visible_evaluations, required=False, allow_null=True
    )
    goals = serializers.CharField(max_length=4000)
    actions = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True)
    courses = ScopedRelatedField(
        visibility=performance_access.visible_plan_courses,
        many=True,
        required=False,
        default=list,
        max_length=50,
    )


class DevelopmentPlanUpdateSerializer(serializers.Serializer):
    goals = serializers.CharField(max_length=4000, required=False)
    actions = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False)
    courses = ScopedRelatedField(
        visibility=performance_access.visible_plan_courses, many=True, required=False, max_length=50
    )


class PlanCompleteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[DevelopmentPlan.Status.DONE, DevelopmentPlan.Status.DROPPED],
        default=DevelopmentPlan.Status.DONE,
    )


# --- viewsets -----------------------------------------------------------------------------


@extend_schema(tags=["performance"])
class EvaluationViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """360-degree reviews: an agent sees their own; managers their teams'; heads their
    subtree's. `rate` gives the caller's own rating (supervisor, peer or self; a peer may
    rate a teammate's open review without seeing it here); `close` computes the scores."""

    visibility = performance_access.visible_evaluations
    permission_classes = [RuleOrRead]
    write_rule = staticmethod(performance_access.can_manage_performance)
    action_rules = {"rate": None}
    serializer_class = EvaluationSerializer
    filterset_fields = ["agent", "status", "period_kind", "period_start"]
    ordering = ["-period_start", "pk"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent")

    @extend_schema(
        request=EvaluationOpenSerializer,
        responses={201: EvaluationSerializer},
        description="Open the review of one agent for one period (one per agent and period).",
    )
    def create(self, request, *args, **kwargs):
        serializer = EvaluationOpenSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        period = period_containing(data["period_kind"], data["period_start"])
        evaluation = reviews.open_evaluation(by=request.user, agent=data["agent"], period=period)
        return Response(
            EvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=RateSerializer,
        responses={200: RatingSerializer},
        description="Give or change your rating while the review is open. Customer ratings "
        "are computed from revisits when it closes (a 400 naming `kind`).",
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        try:
            evaluation = selectors.evaluation_for(request.user, int(pk))
        except (TypeError, ValueError):
            evaluation = None
        if evaluation is None:
            raise Http404
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = reviews.rate(by=request.user, evaluation=evaluation, **serializer.validated_data)
        rating = EvaluationRating.objects.select_related("evaluation", "rater").get(pk=rating.pk)
        return Response(RatingSerializer(rating, context={"request": request}).data)

    @extend_schema(
        request=EvaluationCloseSerializer,
        responses={200: EvaluationSerializer},
        description="Close the review: quantitative = scorecard total, qualitative = weighted "
        "ratings (supervisor 50, peer 20, self 10, customer 20, renormalized), final = 60/40.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        evaluation = self.get_object()
        serializer = EvaluationCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviews.close_evaluation(
            by=request.user,
            evaluation=evaluation,
            summary=serializer.validated_data["summary"],
        )
        return Response(EvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data)


@extend_schema(tags=["performance"])
class RatingViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Ratings of the reviews the caller sees; peers rate anonymously (to the rated agent
    `rater` and `rater_name` are null on peer ratings)."""

    visibility = performance_access.visible_evaluation_ratings
    serializer_class = RatingSerializer
    filterset_fields = ["evaluation", "kind"]
    ordering = ["evaluation", "kind", "pk"]

    def refine_queryset(self, queryset):
        return queryset.select_related("evaluation", "rater")


@extend_schema(tags=["performance"])
class DevelopmentPlanViewSet(ScopedViewSet):
    """Personal development plans, optionally from a review and with training courses."""

    visibility = performance_access.visible_development_plans
    permission_classes = [RuleOrRead]
    write_rule = staticmethod(performance_access.can_manage_performance)
    serializer_class = DevelopmentPlanSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["agent", "evaluation", "status"]
    ordering = ["-created_at", "-pk"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent").prefetch_related("courses")

    def _answer(self, plan, code=status.HTTP_200_OK):
        return Response(
            DevelopmentPlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=code
        )

    @extend_schema(
        request=DevelopmentPlanWriteSerializer, responses={201: DevelopmentPlanSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = DevelopmentPlanWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = reviews.development_plan_create(
            by=request.user,
            agent=data["agent"],
            goals=data["goals"],
            actions=data["actions"],
            due_on=data.get("due_on"),
            evaluation=data.get("evaluation"),
            courses=data["courses"],
        )
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=DevelopmentPlanUpdateSerializer, responses={200: DevelopmentPlanSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = DevelopmentPlanUpdateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        plan = reviews.development_plan_update(
            by=request.user, plan=plan, **serializer.validated_data
        )
        return self._answer(plan)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH is
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=PlanCompleteSerializer, responses={200: DevelopmentPlanSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        plan = self.get_object()
        serializer = PlanCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = reviews.development_plan_complete(
            by=request.user,
            plan=plan,
            status=serializer.validated_data["status"],
        )
        return self._answer(plan)

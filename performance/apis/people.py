"""API: 360 reviews and ratings, development plans, incentives, improvement plans, turnover.

Rows come through `crm.api`'s scoped classes (`crm.access`): a row outside the caller's
scope answers 404. Every change goes through `performance.services.*`, whose refusals are
400s naming the field (`status` for a move the record's state does not allow).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from crm import access
from crm.api import ScopedQuerysetMixin, ScopedViewSet, raise_as_api_error, user_name
from crm.api_defaults import IsActiveStaff
from performance import access as performance_access

from ..models import (
    CoachingSession,
    DevelopmentPlan,
    Evaluation,
    EvaluationRating,
    ImprovementPlan,
    Incentive,
    Level,
    PeriodKind,
)
from ..periods import parse_period, period_containing
from ..selectors import people as selectors
from ..selectors import turnover as turnover_selectors
from ..services import improvement, incentives, reviews

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 1)


class RuleOrRead(IsActiveStaff):
    """Reading follows the scope; writes need the view's `write_rule`; an action may name
    its own rule in `action_rules` (None: any staff member, the service decides)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        rules = getattr(view, "action_rules", {})
        if view.action in rules:
            rule = rules[view.action]
            return rule is None or bool(rule(request.user))
        if request.method in permissions.SAFE_METHODS:
            return True
        rule = getattr(view, "write_rule", None)
        return rule is not None and bool(rule(request.user))


def _visible_or_400(queryset, pk, field: str, **lookup):
    """The row `pk` (or matching `lookup`) of `queryset`, else a 400 naming `field`."""
    if pk is not None:
        lookup = {"pk": pk}
    row = queryset.filter(**lookup).first() if lookup else None
    if row is None:
        raise_as_api_error(DjangoValidationError({field: _("Unknown, or not yours to see.")}))
    return row


def _visible_agent(user, user_id):
    """The member behind an `agent` (a user id) the caller may see, else a 400 naming it."""
    return _visible_or_400(
        access.visible_members(user).select_related("user"), None, "agent", user_id=user_id
    )


def _period_start(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise serializers.ValidationError(_("Choose a date between 2000 and 2999."))
    return value


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise_as_api_error(error)


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
    agent = serializers.IntegerField(min_value=1, help_text="The agent's user id.")
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = serializers.DateField()

    def validate_period_start(self, value):
        return _period_start(value)


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
    agent = serializers.IntegerField(min_value=1)
    evaluation = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    goals = serializers.CharField(max_length=4000)
    actions = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True)
    courses = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )


class DevelopmentPlanUpdateSerializer(serializers.Serializer):
    goals = serializers.CharField(max_length=4000, required=False)
    actions = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False)
    courses = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )


class PlanCompleteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[DevelopmentPlan.Status.DONE, DevelopmentPlan.Status.DROPPED],
        default=DevelopmentPlan.Status.DONE,
    )


class IncentiveSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    proposed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Incentive
        fields = [
            "id",
            "agent",
            "agent_name",
            "team",
            "kind",
            "amount",
            "period_kind",
            "period_start",
            "reason",
            "status",
            "proposed_by",
            "proposed_by_name",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_agent_name(self, row) -> str:
        return user_name(row.agent)

    @extend_schema_field(serializers.CharField())
    def get_proposed_by_name(self, row) -> str:
        return user_name(row.proposed_by)


class IncentiveProposeSerializer(serializers.Serializer):
    agent = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=Incentive.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    period_start = serializers.DateField(help_text="Any day of the month it is for.")
    reason = serializers.CharField(max_length=4000)

    def validate_period_start(self, value):
        return _period_start(value)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


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
    agent = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=4000)
    goals = serializers.CharField(max_length=4000)
    starts_on = serializers.DateField(required=False)
    due_on = serializers.DateField()
    scorecard = serializers.IntegerField(min_value=1, required=False, allow_null=True)

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
        serializer = EvaluationOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _visible_agent(request.user, data["agent"])
        agent = member.user
        period = period_containing(data["period_kind"], data["period_start"])
        evaluation = _call(reviews.open_evaluation, by=request.user, agent=agent, period=period)
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
        rating = _call(
            reviews.rate, by=request.user, evaluation=evaluation, **serializer.validated_data
        )
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
        _call(
            reviews.close_evaluation,
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

    def _courses(self, ids):
        courses = list(
            performance_access.visible_plan_courses(self.request.user).filter(pk__in=ids)
        )
        if len(courses) != len(set(ids)):
            raise_as_api_error(DjangoValidationError({"courses": _("Unknown course.")}))
        return courses

    def _answer(self, plan, code=status.HTTP_200_OK):
        return Response(
            DevelopmentPlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=code
        )

    @extend_schema(
        request=DevelopmentPlanWriteSerializer, responses={201: DevelopmentPlanSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = DevelopmentPlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _visible_agent(request.user, data["agent"])
        evaluation = None
        if data.get("evaluation"):
            evaluation = _visible_or_400(
                performance_access.visible_evaluations(request.user),
                data["evaluation"],
                "evaluation",
            )
        plan = _call(
            reviews.development_plan_create,
            by=request.user,
            agent=member.user,
            goals=data["goals"],
            actions=data["actions"],
            due_on=data.get("due_on"),
            evaluation=evaluation,
            courses=self._courses(data["courses"]),
        )
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=DevelopmentPlanUpdateSerializer, responses={200: DevelopmentPlanSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = DevelopmentPlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "courses" in data:
            data["courses"] = self._courses(data["courses"])
        plan = _call(reviews.development_plan_update, by=request.user, plan=plan, **data)
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
        plan = _call(
            reviews.development_plan_complete,
            by=request.user,
            plan=plan,
            status=serializer.validated_data["status"],
        )
        return self._answer(plan)


@extend_schema(tags=["performance"])
class IncentiveViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Rewards and penalties. Managers propose for their agents; a department head over the
    team (or an administrator) approves or rejects, never their own proposal; the proposer
    may withdraw while it is proposed. Agents see only the approved ones about them."""

    visibility = performance_access.visible_incentives
    permission_classes = [RuleOrRead]
    write_rule = staticmethod(performance_access.can_manage_performance)
    action_rules = {
        "approve": staticmethod(performance_access.can_decide_incentives),
        "reject": staticmethod(performance_access.can_decide_incentives),
        "withdraw": staticmethod(performance_access.can_manage_performance),
    }
    serializer_class = IncentiveSerializer
    filterset_fields = ["agent", "team", "kind", "status", "period_start"]
    ordering = ["-proposed_at", "-pk"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent", "proposed_by")

    def _answer(self, incentive, code=status.HTTP_200_OK):
        return Response(
            IncentiveSerializer(self.get_queryset().get(pk=incentive.pk)).data, status=code
        )

    @extend_schema(
        request=IncentiveProposeSerializer,
        responses={201: IncentiveSerializer},
        description="Bonuses and deductions need an `amount`; promotion recommendations "
        "and warnings must not have one.",
    )
    def create(self, request, *args, **kwargs):
        serializer = IncentiveProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _visible_agent(request.user, data["agent"])
        incentive = _call(
            incentives.incentive_propose,
            by=request.user,
            agent=member.user,
            kind=data["kind"],
            amount=data.get("amount"),
            period=period_containing(PeriodKind.MONTH, data["period_start"]),
            reason=data["reason"],
        )
        return self._answer(incentive, status.HTTP_201_CREATED)

    def _decide(self, request, service):
        incentive = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        incentive = _call(service, by=request.user, incentive=incentive, note=note)
        return self._answer(incentive)

    @extend_schema(request=DecisionSerializer, responses={200: IncentiveSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, incentives.incentive_approve)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: IncentiveSerializer},
        description="Reject with a `note` (required).",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, incentives.incentive_reject)

    @extend_schema(request=None, responses={200: IncentiveSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        incentive = _call(
            incentives.incentive_withdraw, by=request.user, incentive=self.get_object()
        )
        return self._answer(incentive)


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
        serializer = ImprovementOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _visible_agent(request.user, data["agent"])
        scorecard = None
        if data.get("scorecard"):
            scorecard = _visible_or_400(
                performance_access.visible_scorecards(request.user), data["scorecard"], "scorecard"
            )
        plan = _call(
            improvement.improvement_plan_open,
            by=request.user,
            agent=member.user,
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
        session = _call(
            improvement.coaching_session_add,
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
        plan = _call(
            improvement.improvement_plan_close,
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
            raise_as_api_error(DjangoValidationError({"period_start": str(error)}))
        if not EARLIEST <= period.start <= LATEST:
            raise_as_api_error(
                DjangoValidationError({"period_start": _("Choose a date between 2000 and 2999.")})
            )
        rows = improvement.suggest_improvement_plans(by=request.user, period=period)
        return Response(SuggestionSerializer(rows, many=True).data)


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
                    raise_as_api_error(DjangoValidationError({name: _("Enter a whole number.")}))
                rows = [row for row in rows if row[name] == wanted]
        if params.get("month"):
            try:
                month = dt.date.fromisoformat(params["month"]).replace(day=1)
            except ValueError:
                raise_as_api_error(DjangoValidationError({"month": _("Enter a date.")}))
            rows = [row for row in rows if row["month"] == month]
        return Response(TurnoverRowSerializer(rows, many=True).data)


router = SimpleRouter()
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("ratings", RatingViewSet, basename="evaluation-rating")
router.register("development-plans", DevelopmentPlanViewSet, basename="development-plan")
router.register("incentives", IncentiveViewSet, basename="incentive")
router.register("improvement-plans", ImprovementPlanViewSet, basename="improvement-plan")
router.register("turnover", TurnoverViewSet, basename="turnover")

"""Rewards and penalties: proposed by managers, decided by heads (or administrators)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import ScopedQuerysetMixin, ScopedRelatedField, user_name, visible_staff_users
from performance import access as performance_access

from ..models import Incentive, PeriodKind
from ..periods import period_containing
from ..services import incentives
from .common import RuleOrRead, period_start_in_range

# --- serializers --------------------------------------------------------------------------


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
    agent = ScopedRelatedField(visibility=visible_staff_users, help_text="The agent's user id.")
    kind = serializers.ChoiceField(choices=Incentive.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    period_start = serializers.DateField(help_text="Any day of the month it is for.")
    reason = serializers.CharField(max_length=4000)

    def validate_period_start(self, value):
        return period_start_in_range(value)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- viewsets -----------------------------------------------------------------------------


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
        serializer = IncentiveProposeSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incentive = incentives.incentive_propose(
            by=request.user,
            agent=data["agent"],
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
        incentive = service(by=request.user, incentive=incentive, note=note)
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
        incentive = incentives.incentive_withdraw(by=request.user, incentive=self.get_object())
        return self._answer(incentive)

"""Promotion paths: the levels (administrators) and proposals (managers propose, heads
decide)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import ScopedRelatedField, ScopedViewSet
from training import access as training_access

from ..models import Course, PromotionLevel, PromotionProposal
from ..services import promotions
from .common import ReadOrRule, visible_members_with_user

# --- serializers --------------------------------------------------------------------------


class PromotionLevelSerializer(serializers.ModelSerializer):
    required_courses = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Course.objects.all(), required=False
    )
    scorecard_thresholds = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text='Indicator code (or "total") → the figure needed on last month\'s scorecard, '
        'in the indicator\'s unit, e.g. {"conversion": 8, "total": 70}',
    )

    def validate_scorecard_thresholds(self, value):
        try:
            promotions.check_thresholds(thresholds=value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["scorecard_thresholds"]) from None
        return value

    class Meta:
        model = PromotionLevel
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "min_tenure_months",
            "required_courses",
            "scorecard_thresholds",
        ]
        extra_kwargs = {
            "rank": {"min_value": 0, "max_value": 1000},
            "min_tenure_months": {"min_value": 0, "max_value": 600},
        }


class PromotionProposalSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = PromotionProposal
        fields = [
            "id",
            "member",
            "member_name",
            "from_level",
            "to_level",
            "status",
            "reasons",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    member = ScopedRelatedField(visibility=visible_members_with_user)
    to_level = ScopedRelatedField(visibility=training_access.visible_promotion_levels)
    reasons = serializers.CharField(max_length=4000)


class PromotionDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# --- viewsets -----------------------------------------------------------------------------


@extend_schema(tags=["training"])
class PromotionLevelViewSet(ScopedViewSet):
    visibility = training_access.visible_promotion_levels
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_configure_training)
    serializer_class = PromotionLevelSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["rank"]

    def refine_queryset(self, queryset):
        return queryset.prefetch_related("required_courses")


@extend_schema(tags=["training"])
class PromotionProposalViewSet(ScopedViewSet):
    """Proposals about members the caller may see. Managers propose for their team; heads
    approve or reject in their subtree."""

    visibility = training_access.visible_promotion_proposals
    permission_classes = [ReadOrRule]
    write_rule = staticmethod(training_access.can_propose_promotion)
    action_rules = {
        "approve": staticmethod(training_access.can_approve_promotion),
        "reject": staticmethod(training_access.can_approve_promotion),
    }
    serializer_class = PromotionProposalSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["member", "status", "to_level"]
    ordering = ["-created_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("member__user")

    @extend_schema(
        request=ProposeSerializer,
        responses={201: PromotionProposalSerializer},
        description="Propose a member of your team for the next level; the level's criteria "
        "(tenure, courses) must be met, else a 400 naming `to_level`.",
    )
    def create(self, request, *args, **kwargs):
        serializer = ProposeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        proposal = promotions.promotion_propose(by=request.user, **serializer.validated_data)
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(PromotionProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, decide):
        proposal = self.get_object()
        serializer = PromotionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decide(proposal=proposal, note=serializer.validated_data["note"], by=request.user)
        return Response(PromotionProposalSerializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(
        request=PromotionDecisionSerializer, responses={200: PromotionProposalSerializer}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, promotions.promotion_approve)

    @extend_schema(
        request=PromotionDecisionSerializer,
        responses={200: PromotionProposalSerializer},
        description="Reject with a note (required).",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, promotions.promotion_reject)

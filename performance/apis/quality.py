"""Quality scores: a follow-up or a call scored on the rubric by an inspector or manager."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from crm.api import ScopedCreateReadViewSet, user_name
from crm.api_defaults import IsActiveStaff
from performance import access as performance_access

from ..models import QualityScore
from ..services import quality as quality_services
from .common import MAX_ID, IdFilter

# --- permissions --------------------------------------------------------------------------


class ScoresQuality(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or performance_access.can_score_quality(
            request.user
        )


# --- quality scores -------------------------------------------------------------------------


class QualityScoreSerializer(serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    scorer_name = serializers.SerializerMethodField()

    class Meta:
        model = QualityScore
        fields = [
            "id",
            "agent",
            "agent_name",
            "followup",
            "call",
            "scorer",
            "scorer_name",
            "professionalism",
            "communication",
            "problem_solving",
            "overall",
            "comment",
            "scored_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, obj) -> str | None:
        return user_name(obj.agent)

    def get_scorer_name(self, obj) -> str | None:
        return user_name(obj.scorer)


class QualityScoreWriteSerializer(serializers.Serializer):
    followup = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    call = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    professionalism = serializers.IntegerField(min_value=1, max_value=5)
    communication = serializers.IntegerField(min_value=1, max_value=5)
    problem_solving = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class QualityFilter(django_filters.FilterSet):
    agent = IdFilter()
    scorer = IdFilter()

    class Meta:
        model = QualityScore
        fields = ["agent", "scorer"]


@extend_schema_view(
    list=extend_schema(description="Quality scores in the caller's scope (agents: their own)."),
    create=extend_schema(
        request=QualityScoreWriteSerializer,
        responses={201: QualityScoreSerializer},
        description="Score a follow-up or a call (one of the two) on the rubric, 1–5 each.",
    ),
)
class QualityScoreViewSet(ScopedCreateReadViewSet):
    visibility = performance_access.visible_quality_scores
    permission_classes = [ScoresQuality]
    serializer_class = QualityScoreSerializer
    filterset_class = QualityFilter
    ordering = ["-scored_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent", "scorer").order_by("-scored_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = QualityScoreWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        score = quality_services.score_quality(
            by=request.user,
            followup_id=data.get("followup"),
            call_id=data.get("call"),
            scores=data,
            comment=data.get("comment", ""),
        )
        score = self.refine_queryset(QualityScore.objects.filter(pk=score.pk)).get()
        return Response(QualityScoreSerializer(score).data, status=status.HTTP_201_CREATED)

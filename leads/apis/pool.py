"""Pool and assignment API: claim, release, bulk reassign, run the assignment job, list
the pool and the assignment history. Every view reads rows through `crm.api`'s scoped
classes; a lead outside the caller's scope answers 404 like a missing one."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from crm.api import (
    ScopedQuerysetMixin,
    ScopedReadOnlyViewSet,
    ScopedRelatedField,
    visible_staff_users,
)
from crm.filters import FilterSet
from leads import access as leads_access

from .. import tasks
from ..models import Assignment, Lead
from ..services import assignment, pool

# --- serializers --------------------------------------------------------------------------


class PoolLeadSerializer(serializers.ModelSerializer):
    """A lead as the pool shows it: enough to choose, the phone masked."""

    phone_masked = serializers.CharField(read_only=True)
    team_name = serializers.CharField(
        source="team.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "phone_masked",
            "region",
            "product",
            "channel",
            "grade",
            "score",
            "status",
            "team",
            "team_name",
            "owner",
            "assigned_at",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(
        source="rule.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "lead",
            "kind",
            "from_user",
            "to_user",
            "team",
            "rule",
            "rule_name",
            "reason",
            "by",
            "at",
        ]
        read_only_fields = fields


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ReassignSerializer(serializers.Serializer):
    lead_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=5000
    )
    agent = ScopedRelatedField(
        visibility=visible_staff_users, help_text="The user id of the agent who gets the leads."
    )
    reason = serializers.CharField(max_length=300)


# --- filters ------------------------------------------------------------------------------


class PoolFilter(FilterSet):
    region = django_filters.CharFilter(lookup_expr="contains")
    product = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["grade", "channel", "team", "region", "product"]


class AssignmentFilter(FilterSet):
    class Meta:
        model = Assignment
        fields = ["lead", "kind", "to_user", "from_user", "team"]


# --- views --------------------------------------------------------------------------------


class PoolViewSet(ScopedReadOnlyViewSet):
    """The public pool (公海) the caller may see: grade A first, then the freshest."""

    visibility = leads_access.visible_pool
    serializer_class = PoolLeadSerializer
    filterset_class = PoolFilter
    ordering_fields = ["grade", "created_at", "score"]

    def refine_queryset(self, queryset):
        return queryset.select_related("team").order_by("grade", "-created_at", "-pk")


class AssignmentViewSet(ScopedReadOnlyViewSet):
    """Who got which lead when, from whom, by which rule or person, and why."""

    visibility = leads_access.visible_assignments
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["at"]

    def refine_queryset(self, queryset):
        return queryset.select_related("rule").order_by("-at", "-id")

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("AssignmentRunQueued", {"queued": serializers.BooleanField()})
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def run(self, request):
        """Queue the assignment job now (it also runs every minute)."""
        if not leads_access.can_manage_leads(request.user):
            raise PermissionDenied
        tasks.assign_pending_leads.delay_on_commit()
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class LeadPoolActionsViewSet(ScopedQuerysetMixin, GenericViewSet):
    """Claim and release one lead, reassign many. Rows come from the caller's scope."""

    visibility = leads_access.visible_leads
    serializer_class = PoolLeadSerializer

    def _lead_response(self, lead_id: int) -> Response:
        lead = Lead.objects.select_related("team").get(pk=lead_id)
        return Response(PoolLeadSerializer(lead).data)

    @extend_schema(request=None, responses={200: PoolLeadSerializer})
    def claim(self, request, pk: int):
        """Take the lead from the pool (caps, daily limit and cool-off apply)."""
        try:
            lead = pool.lead_claim(lead_id=pk, user=request.user)
        except DjangoValidationError as error:
            # A lead the caller may not see is not found, whatever the service refused.
            visible = leads_access.visible_pool(request.user).filter(pk=pk).exists() or (
                self.get_queryset().filter(pk=pk).exists()
            )
            if not visible:
                raise Http404 from error
            raise
        return self._lead_response(lead.pk)

    @extend_schema(request=ReleaseSerializer, responses={200: PoolLeadSerializer})
    def release(self, request, pk: int):
        """Give the lead back to its team's pool (owner or their manager); reason required."""
        lead = self.get_object()
        serializer = ReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pool.lead_release(lead=lead, by=request.user, reason=serializer.validated_data["reason"])
        return self._lead_response(lead.pk)

    @extend_schema(
        request=ReassignSerializer,
        responses={
            200: inline_serializer("Reassigned", {"reassigned": serializers.IntegerField()})
        },
    )
    def assign(self, request):
        """Managers: give many leads to one agent, all or nothing, within their scope."""
        if not leads_access.can_manage_leads(request.user):
            raise PermissionDenied
        serializer = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        moved = assignment.leads_reassign(by=request.user, **serializer.validated_data)
        return Response({"reassigned": moved})


urlpatterns = [
    path(
        "leads/assign/",
        LeadPoolActionsViewSet.as_view({"post": "assign"}),
        name="lead-assign",
    ),
    path(
        "leads/<int:pk>/claim/",
        LeadPoolActionsViewSet.as_view({"post": "claim"}),
        name="lead-claim",
    ),
    path(
        "leads/<int:pk>/release/",
        LeadPoolActionsViewSet.as_view({"post": "release"}),
        name="lead-release",
    ),
]


def register(router) -> None:
    """Add this module's viewsets to the lead API router (before the `leads/{id}` routes)."""
    router.register("leads/pool", PoolViewSet, basename="lead-pool")
    router.register("leads/assignments", AssignmentViewSet, basename="lead-assignment")

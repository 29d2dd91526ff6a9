"""Revisits (回访): record the call, hand over; revisit plans; improvement items (持续改进)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import access as aftersales_access
from crm.api import ScopedReadOnlyViewSet, ScopedViewSet, user_name
from crm.pagination import UncountedPagination

from ..filters import ImprovementFilter, RevisitFilter
from ..models import ImprovementItem, Revisit, RevisitPlan
from ..services import revisits as revisit_services
from .permissions import ConfiguresService, WorksService
from .tickets import ServiceReassignSerializer

# --- serializers --------------------------------------------------------------------------


class RevisitSerializer(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    lead_phone_masked = serializers.CharField(source="lead.phone_masked", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    plan_name = serializers.CharField(
        source="plan.name", read_only=True, default=None, allow_null=True
    )
    assignee_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Revisit
        fields = [
            "id",
            "order",
            "order_number",
            "lead",
            "lead_name",
            "lead_phone_masked",
            "plan",
            "plan_name",
            "due_at",
            "is_overdue",
            "assignee",
            "assignee_name",
            "status",
            "reached",
            "satisfaction",
            "complaint",
            "feedback",
            "follow_up_actions",
            "done_at",
            "done_by",
            "ticket",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str | None:
        return user_name(obj.assignee)

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()


class RevisitRecordSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    complaint = serializers.BooleanField(
        required=False, default=False, help_text="A complaint opens a complaint ticket."
    )
    feedback = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_actions = serializers.CharField(required=False, allow_blank=True, default="")


class RevisitPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevisitPlan
        fields = ["id", "name", "days_after_delivery", "product_category", "tier", "is_active"]
        extra_kwargs = {"days_after_delivery": {"min_value": 0, "max_value": 3650}}


class ImprovementItemSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "title",
            "description",
            "source",
            "revisit",
            "lead",
            "team",
            "owner",
            "owner_name",
            "status",
            "notes",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj) -> str | None:
        return user_name(obj.owner)


class ImprovementCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ImprovementUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImprovementItem.Status.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


# --- viewsets -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description="Revisits in the caller's scope, soonest due first."),
)
class RevisitViewSet(ScopedReadOnlyViewSet):
    visibility = aftersales_access.visible_revisits
    permission_classes = [WorksService]
    filterset_class = RevisitFilter
    pagination_class = UncountedPagination
    ordering_fields = ["due_at", "done_at"]
    ordering = ["due_at", "id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("lead", "order", "plan", "assignee").order_by("due_at", "id")

    def get_serializer_class(self):
        return {"record": RevisitRecordSerializer, "reassign": ServiceReassignSerializer}.get(
            self.action, RevisitSerializer
        )

    def _detail(self, revisit) -> Response:
        revisit = self.refine_queryset(Revisit.objects.filter(pk=revisit.pk)).get()
        return Response(RevisitSerializer(revisit, context=self.get_serializer_context()).data)

    @extend_schema(
        request=RevisitRecordSerializer,
        responses={200: RevisitSerializer},
        description="Record the revisit call. Reached: `satisfaction` 1–5 is required. A "
        "complaint opens a complaint ticket (`ticket`); a satisfaction of 2 or less without "
        "one opens an improvement item.",
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        revisit = self.get_object()
        serializer = RevisitRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revisit = revisit_services.revisit_record(
            revisit=revisit, by=request.user, **serializer.validated_data
        )
        return self._detail(revisit)

    @extend_schema(
        request=ServiceReassignSerializer,
        responses={200: RevisitSerializer},
        description="Hand a scheduled revisit to someone in the caller's teams.",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        revisit = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revisit = revisit_services.revisit_reassign(
            revisit=revisit, by=request.user, **serializer.validated_data
        )
        return self._detail(revisit)


class RevisitPlanViewSet(ScopedViewSet):
    """The revisit plans (day 3, day 30 …): everyone reads them, administrators edit them."""

    visibility = aftersales_access.visible_revisit_plans
    permission_classes = [ConfiguresService]
    serializer_class = RevisitPlanSerializer
    pagination_class = None


class ImprovementItemViewSet(ScopedViewSet):
    visibility = aftersales_access.visible_improvements
    permission_classes = [WorksService]
    filterset_class = ImprovementFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def refine_queryset(self, queryset):
        return queryset.select_related("owner").order_by("-created_at", "-id")

    def get_serializer_class(self):
        return {
            "create": ImprovementCreateSerializer,
            "partial_update": ImprovementUpdateSerializer,
        }.get(self.action, ImprovementItemSerializer)

    def _detail(self, item, code=status.HTTP_200_OK) -> Response:
        item = ImprovementItem.objects.select_related("owner").get(pk=item.pk)
        return Response(
            ImprovementItemSerializer(item, context=self.get_serializer_context()).data, code
        )

    @extend_schema(
        request=ImprovementCreateSerializer,
        responses={201: ImprovementItemSerializer},
        description="Note something to improve (持续改进), owned by the caller.",
    )
    def create(self, request, *args, **kwargs):
        serializer = ImprovementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = revisit_services.improvement_open(by=request.user, **serializer.validated_data)
        return self._detail(item, status.HTTP_201_CREATED)

    @extend_schema(
        request=ImprovementUpdateSerializer,
        responses={200: ImprovementItemSerializer},
        description="Move the item along or add notes (its owner or a manager).",
    )
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = ImprovementUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = revisit_services.improvement_update(
            item=item, by=request.user, status=data.get("status"), notes=data.get("notes")
        )
        return self._detail(item)

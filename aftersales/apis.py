"""After-sales API: service tickets (moves as actions), revisits (record as an action),
revisit plans (administrators write) and improvement items.

Rows come through `crm.api.ScopedViewSet` and the `crm.access.visible_*` selectors, so a
row outside the caller's scope answers 404 like a missing one. Writes go through
`aftersales.services`; their refusals are 400s naming the field.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import access as aftersales_access
from crm import access
from crm.api import ScopedReadOnlyViewSet, ScopedViewSet, raise_as_api_error, user_name
from crm.api_defaults import IsActiveStaff
from crm.filters import MAX_ID
from leads import access as leads_access
from leads.apis.leads import UncountedPagination

from .filters import ImprovementFilter, RevisitFilter, TicketFilter
from .models import (
    ImprovementItem,
    Revisit,
    RevisitPlan,
    ServiceTicket,
    TicketEvent,
    TicketPriority,
    TicketType,
)
from .services import revisits as revisit_services
from .services import tickets as ticket_services

User = get_user_model()


# --- permissions --------------------------------------------------------------------------


class WorksService(IsActiveStaff):
    """Reading follows the scope; writing needs a role that works on service (not
    inspectors); reassigning needs a manager, head or admin."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "reassign":
            return aftersales_access.can_manage_service(request.user)
        return aftersales_access.can_work_service(request.user)


class ConfiguresService(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return (
            request.method in permissions.SAFE_METHODS
            or aftersales_access.can_configure_service(request.user)
        )


# --- serializers --------------------------------------------------------------------------


class TicketEventSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()
    # "" where the event is no move (opened has no from, reassigned neither).
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "from_status", "to_status", "note", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, obj) -> str | None:
        return user_name(obj.by)


class TicketSerializer(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    lead_phone_masked = serializers.CharField(source="lead.phone_masked", read_only=True)
    order_number = serializers.CharField(
        source="order.number", read_only=True, default=None, allow_null=True
    )
    assignee_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    allowed_moves = serializers.SerializerMethodField()

    class Meta:
        model = ServiceTicket
        fields = [
            "id",
            "lead",
            "lead_name",
            "lead_phone_masked",
            "order",
            "order_number",
            "team",
            "type",
            "priority",
            "subject",
            "description",
            "status",
            "assignee",
            "assignee_name",
            "opened_by",
            "opened_at",
            "due_at",
            "is_overdue",
            "allowed_moves",
            "resolution",
            "resolved_at",
            "closed_at",
            "escalated_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str | None:
        return user_name(obj.assignee)

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()

    def get_allowed_moves(self, obj) -> list[str]:
        return ticket_services.moves_for(obj)


class TicketDetailSerializer(TicketSerializer):
    events = TicketEventSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "events"]
        read_only_fields = fields


class TicketOpenSerializer(serializers.Serializer):
    lead = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The customer.")
    order = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    type = serializers.ChoiceField(choices=TicketType.choices)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, default="normal")
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class TicketMoveSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to resolve (the resolution) and to reopen (the reason).",
    )


class ServiceReassignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A user id.")


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
        fields = ["id", "name", "days_after_delivery", "product_category", "is_active"]
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


def _user_in_scope(request, user_id: int):
    user = User.objects.filter(pk=user_id, member__in=access.visible_members(request.user)).first()
    if user is None:
        raise_as_api_error(DjangoValidationError({"assignee": "Choose someone in your teams."}))
    return user


@extend_schema_view(
    list=extend_schema(description="Service tickets in the caller's scope, soonest due first."),
    retrieve=extend_schema(description="A ticket with its timeline (events, newest first)."),
)
class ServiceTicketViewSet(ScopedViewSet):
    visibility = aftersales_access.visible_tickets
    permission_classes = [WorksService]
    filterset_class = TicketFilter
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["due_at", "opened_at", "priority"]
    ordering = ["due_at", "id"]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("lead", "order", "assignee")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__by")
        return queryset.order_by("due_at", "id")

    def get_serializer_class(self):
        return {
            "retrieve": TicketDetailSerializer,
            "create": TicketOpenSerializer,
            "reassign": ServiceReassignSerializer,
        }.get(self.action, TicketMoveSerializer if self.action in MOVES else TicketSerializer)

    def _detail(self, ticket, code=status.HTTP_200_OK) -> Response:
        ticket = self.refine_queryset(aftersales_access.visible_tickets(self.request.user)).filter(
            pk=ticket.pk
        )
        ticket = ticket.prefetch_related("events__by").get()
        return Response(
            TicketDetailSerializer(ticket, context=self.get_serializer_context()).data, code
        )

    @extend_schema(
        request=TicketOpenSerializer,
        responses={201: TicketDetailSerializer},
        description="Open a ticket for a customer (and one of their orders); the due time "
        "comes from the SLA of its priority.",
    )
    def create(self, request, *args, **kwargs):
        from orders.models import Order

        serializer = TicketOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lead = leads_access.visible_leads(request.user).filter(pk=data.pop("lead")).first()
        if lead is None:
            raise_as_api_error(DjangoValidationError({"lead": "No such customer."}))
        order_id = data.pop("order")
        order = None
        if order_id is not None:
            order = Order.objects.filter(pk=order_id, lead=lead).first()
            if order is None:
                raise_as_api_error(
                    DjangoValidationError({"order": "No such order of this customer."})
                )
        try:
            ticket = ticket_services.ticket_open(lead=lead, order=order, by=request.user, **data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return self._detail(ticket, status.HTTP_201_CREATED)

    def _move(self, request, name: str):
        ticket = self.get_object()
        serializer = TicketMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        argument = {"resolve": "resolution", "reopen": "reason"}.get(name, "note")
        try:
            ticket = ticket_services.MOVE_SERVICES[name](
                ticket=ticket, by=request.user, **{argument: note}
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict") and argument in error.error_dict:
                error = DjangoValidationError({"note": error.error_dict[argument]})
            raise_as_api_error(error)
        return self._detail(ticket)

    @extend_schema(
        request=TicketMoveSerializer,
        responses={200: TicketDetailSerializer},
        description="open or reopened → in progress.",
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._move(request, "start")

    @extend_schema(
        request=TicketMoveSerializer,
        responses={200: TicketDetailSerializer},
        description="→ resolved; `note` (the resolution) is required.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._move(request, "resolve")

    @extend_schema(
        request=TicketMoveSerializer,
        responses={200: TicketDetailSerializer},
        description="resolved → closed.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._move(request, "close")

    @extend_schema(
        request=TicketMoveSerializer,
        responses={200: TicketDetailSerializer},
        description="resolved or closed → reopened; `note` (why) is required.",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._move(request, "reopen")

    @extend_schema(
        request=ServiceReassignSerializer,
        responses={200: TicketDetailSerializer},
        description="Hand the ticket to someone in the caller's teams (managers).",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        ticket = self.get_object()
        serializer = ServiceReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee = _user_in_scope(request, serializer.validated_data["assignee"])
        try:
            ticket = ticket_services.ticket_reassign(
                ticket=ticket, assignee=assignee, by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return self._detail(ticket)


MOVES = ("start", "resolve", "close", "reopen")


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
        try:
            revisit = revisit_services.revisit_record(
                revisit=revisit, by=request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return self._detail(revisit)

    @extend_schema(
        request=ServiceReassignSerializer,
        responses={200: RevisitSerializer},
        description="Hand a scheduled revisit to someone in the caller's teams.",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        revisit = self.get_object()
        serializer = ServiceReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee = _user_in_scope(request, serializer.validated_data["assignee"])
        try:
            revisit = revisit_services.revisit_reassign(
                revisit=revisit, assignee=assignee, by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        try:
            item = revisit_services.improvement_open(by=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        try:
            item = revisit_services.improvement_update(
                item=item, by=request.user, status=data.get("status"), notes=data.get("notes")
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return self._detail(item)


def register(router) -> None:
    router.register("service/tickets", ServiceTicketViewSet, basename="service-ticket")
    router.register("service/revisits", RevisitViewSet, basename="revisit")
    router.register("service/revisit-plans", RevisitPlanViewSet, basename="revisit-plan")
    router.register("service/improvements", ImprovementItemViewSet, basename="improvement")

"""Service tickets (售后服务): open, move along `TICKET_MOVES` (each move a POST action),
hand over to someone in the caller's teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import access as aftersales_access
from crm.api import ScopedRelatedField, ScopedViewSet, user_name, visible_staff_users
from crm.filters import MAX_ID
from leads import access as leads_access
from orders.models import Order

from ..filters import TicketFilter
from ..models import ServiceTicket, TicketEvent, TicketPriority, TicketType
from ..services import tickets as ticket_services
from .permissions import WorksService

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
        return ticket_services.moves_for(ticket=obj)


class TicketDetailSerializer(TicketSerializer):
    events = TicketEventSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "events"]
        read_only_fields = fields


class TicketOpenSerializer(serializers.Serializer):
    lead = ScopedRelatedField(visibility=leads_access.visible_leads, help_text="The customer.")
    order = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="One of the customer's orders.",
    )
    type = serializers.ChoiceField(choices=TicketType.choices)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, default="normal")
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["order"] is not None:
            attrs["order"] = Order.objects.filter(pk=attrs["order"], lead=attrs["lead"]).first()
            if attrs["order"] is None:
                raise serializers.ValidationError({"order": "No such order of this customer."})
        return attrs


class TicketMoveSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to resolve (the resolution) and to reopen (the reason).",
    )


class ServiceReassignSerializer(serializers.Serializer):
    assignee = ScopedRelatedField(
        visibility=visible_staff_users, help_text="A user id: someone in the caller's teams."
    )


# --- viewsets -----------------------------------------------------------------------------

MOVES = ("start", "resolve", "close", "reopen")


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
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = ticket_services.ticket_open(by=request.user, **serializer.validated_data)
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
            # The service names its argument; the API's field for it is `note`.
            if hasattr(error, "error_dict") and argument in error.error_dict:
                raise DjangoValidationError({"note": error.error_dict[argument]}) from error
            raise
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
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = ticket_services.ticket_reassign(
            ticket=ticket, by=request.user, **serializer.validated_data
        )
        return self._detail(ticket)

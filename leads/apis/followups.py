"""Follow-up and call API: `leads/followups/` and `leads/calls/`, with the endpoint phone
systems post calls to (`leads/calls/ingest/`).

Rows come through `crm.api.ScopedCreateReadViewSet` and the `crm.access.visible_*`
selectors, so a follow-up or call outside the caller's scope answers 404 like a missing
one; the lead (and the call) a new follow-up names must be one the caller may see (a 400
naming the field otherwise). Writes go through `leads.services.followups` (`followup_log`,
`call_log`, `call_record`). Lists page without counting (`crm.pagination`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import FastRowsMixin, ScopedCreateReadViewSet, ScopedRelatedField, user_name
from crm.pagination import UncountedPagination
from leads import access as leads_access
from leads.filters import CallFilter, FollowUpFilter
from leads.inbound_auth import InboundKeyAuthentication, InboundKeyThrottle
from leads.models import Call, Channel, Disposition, FollowUp, FollowUpChannel, InboundKey
from leads.services import capture, followups
from risk import access as risk_access

from .leads import WorksLeads

# --- permissions --------------------------------------------------------------------------


class IsPhoneSystem(permissions.BasePermission):
    """An active inbound key issued for calls (channel "inbound call").

    Web-form keys are often embedded in public pages, so they must not be able to post
    call records; a phone system gets its own key.
    """

    def has_permission(self, request, view) -> bool:
        key = request.auth
        return isinstance(key, InboundKey) and key.is_active and key.channel == Channel.INBOUND_CALL


# --- serializers --------------------------------------------------------------------------


class FollowUpSerializer(FastRowsMixin, serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    call_duration_seconds = serializers.IntegerField(
        source="call.duration_seconds", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "lead",
            "agent",
            "agent_name",
            "channel",
            "disposition",
            "notes",
            "product",
            "budget",
            "timeline",
            "next_followup_at",
            "call",
            "call_duration_seconds",
            "created_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, obj) -> str | None:
        return user_name(obj.agent)


class FollowUpCreateSerializer(serializers.Serializer):
    lead = ScopedRelatedField(visibility=leads_access.visible_leads)
    channel = serializers.ChoiceField(choices=FollowUpChannel.choices)
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    product = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    budget = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    timeline = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    next_followup_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    call = ScopedRelatedField(
        visibility=leads_access.visible_calls,
        required=False,
        allow_null=True,
        default=None,
        help_text="A call already recorded.",
    )
    call_duration_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=24 * 3600,
        help_text="Record the call with the follow-up (phone only, no phone-system feed).",
    )

    def validate_budget(self, value):
        try:
            return capture.budget_parse(value) if value.strip() else None
        except (ValueError, ArithmeticError) as error:
            raise serializers.ValidationError(_("This is not an amount of money.")) from error


class CallSerializer(FastRowsMixin, serializers.ModelSerializer):
    agent_name = serializers.SerializerMethodField()
    # The customer's side of a call is a phone number like any other.
    caller = serializers.SerializerMethodField()
    callee = serializers.SerializerMethodField()
    # Not a URLField: most calls have no recording, and "" is not a valid `format: uri`.
    recording_url = serializers.CharField(read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "lead",
            "agent",
            "agent_name",
            "direction",
            "caller",
            "callee",
            "extension",
            "started_at",
            "duration_seconds",
            "recording_url",
            "external_id",
            "source",
            "created_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, obj) -> str | None:
        return user_name(obj.agent)

    def _number(self, value: str) -> str:
        if not value.startswith("+"):
            return value  # an extension, or what an unmatched phone system sent
        request = self.context.get("request")
        return risk_access.phone_for(getattr(request, "user", None), value)

    def get_caller(self, obj) -> str:
        return self._number(obj.caller)

    def get_callee(self, obj) -> str:
        return self._number(obj.callee)


class CallCreateSerializer(serializers.Serializer):
    lead = ScopedRelatedField(visibility=leads_access.visible_leads)
    started_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField(min_value=0, max_value=24 * 3600)
    direction = serializers.ChoiceField(choices=Call.Direction.choices, default="outbound")
    recording_url = serializers.URLField(required=False, allow_blank=True, default="")


class CallIngestSerializer(serializers.Serializer):
    """A call record as a phone system sends it (Asterisk CDR, FreeSWITCH, a cloud center)."""

    caller = serializers.CharField(max_length=64, allow_blank=True)
    callee = serializers.CharField(max_length=64, allow_blank=True)
    extension = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    started_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField(min_value=0, max_value=7 * 24 * 3600)
    recording_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The phone system's call id: posting it again returns the same call.",
    )
    source = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="The phone system's name; defaults to the key's prefix.",
    )
    direction = serializers.ChoiceField(choices=Call.Direction.choices, default="outbound")


# --- viewsets -----------------------------------------------------------------------------


class FollowUpViewSet(ScopedCreateReadViewSet):
    """Follow-ups the caller may see; logging one applies its disposition's rule."""

    visibility = leads_access.visible_followups
    permission_classes = [WorksLeads]
    filterset_class = FollowUpFilter
    pagination_class = UncountedPagination
    ordering_fields = ["created_at", "next_followup_at"]
    ordering = ["-created_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent", "call")

    def get_serializer_class(self):
        return FollowUpCreateSerializer if self.action == "create" else FollowUpSerializer

    @extend_schema(request=FollowUpCreateSerializer, responses={201: FollowUpSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        followup = followups.followup_log(agent=request.user, **serializer.validated_data)
        followup = self.get_queryset().get(pk=followup.pk)
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)


class CallViewSet(ScopedCreateReadViewSet):
    """Calls the caller may see; agents add the calls of their leads by hand, phone
    systems post theirs to `ingest`."""

    visibility = leads_access.visible_calls
    permission_classes = [WorksLeads]
    filterset_class = CallFilter
    pagination_class = UncountedPagination
    ordering_fields = ["started_at", "duration_seconds"]
    ordering = ["-started_at", "-id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("agent")

    def get_serializer_class(self):
        return {"create": CallCreateSerializer, "ingest": CallIngestSerializer}.get(
            self.action, CallSerializer
        )

    @extend_schema(request=CallCreateSerializer, responses={201: CallSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = followups.call_log(agent=request.user, **serializer.validated_data)
        context = self.get_serializer_context()
        return Response(CallSerializer(call, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CallIngestSerializer,
        responses={201: CallSerializer, 200: CallSerializer},
        description="For phone systems, with the X-Api-Key of an inbound key issued for "
        "calls (channel: inbound call): post each finished call. It is matched to "
        "the lead by the customer's number and to the agent by extension; unknown numbers "
        "are stored unmatched. Posting the same `external_id` again answers 200 with the "
        "call stored the first time.",
    )
    @action(
        detail=False,
        methods=["post"],
        authentication_classes=[InboundKeyAuthentication],
        throttle_classes=[InboundKeyThrottle],
        permission_classes=[IsPhoneSystem],
        filter_backends=[],
        pagination_class=None,
    )
    def ingest(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["source"] = data["source"] or f"key:{request.auth.prefix}"
        known = bool(data["external_id"]) and (
            Call.objects.filter(source=data["source"], external_id=data["external_id"]).exists()
        )
        call = followups.call_record(**data)
        code = status.HTTP_200_OK if known else status.HTTP_201_CREATED
        return Response(CallSerializer(call).data, status=code)


def register(router) -> None:
    """Before `leads/{id}/`, so it never swallows these prefixes."""
    router.register("leads/followups", FollowUpViewSet, basename="lead-followup")
    router.register("leads/calls", CallViewSet, basename="lead-call")

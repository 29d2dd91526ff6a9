"""Lead API: leads, follow-ups, calls, and the endpoint phone systems post calls to.

Rows come through `crm.api.ScopedViewSet` and the `crm.access.visible_*` selectors, so a
lead, follow-up or call outside the caller's scope answers 404 like a missing one. Writes
go through the services (`capture.lead_capture`, `capture.lead_update`,
`followups.followup_log`, `followups.call_log`, `followups.call_record`).

Lists page without counting: a head or an admin may see a million leads and three million
follow-ups, and `COUNT(*)` over those would cost more than the page itself. A page answers
`next` and `previous` only (`results` holds at most `page_size` rows).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import pagination, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crm import phones
from crm.api import ScopedCreateReadViewSet, ScopedViewSet, raise_as_api_error, user_name
from crm.api_defaults import IsActiveStaff
from leads import access as leads_access
from leads.filters import CallFilter, FollowUpFilter, LeadFilter
from leads.inbound_auth import InboundKeyAuthentication, InboundKeyThrottle
from leads.models import (
    Call,
    Campaign,
    Channel,
    Disposition,
    FollowUp,
    FollowUpChannel,
    InboundKey,
    Intent,
    Lead,
)
from leads.selectors.leads import LIST_FIELDS, lead_timeline
from leads.services import capture, followups
from risk import access as risk_access
from risk import services as risk
from risk.models import PhoneReveal
from risk.serializers import PhoneField

# --- pagination ---------------------------------------------------------------------------


class UncountedPagination(pagination.BasePagination):
    """Page-number pages that read `page_size + 1` rows instead of counting them all."""

    page_size = 50
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"
    # Deep offsets are slow and far beyond any real browsing; they answer 404.
    max_page_number = 100_000

    @staticmethod
    def _positive(request, name: str) -> int | None:
        try:
            value = int(request.query_params.get(name, ""))
        except ValueError:
            return None
        return value if value >= 1 else None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        # Like DRF's pages: a bad page size falls back to the default, a big one is capped.
        size = self._positive(request, self.page_size_query_param) or self.page_size
        self.size = min(size, self.max_page_size)
        self.number = 1
        if request.query_params.get(self.page_query_param, "") != "":
            self.number = self._positive(request, self.page_query_param) or 0
            if not 1 <= self.number <= self.max_page_number:
                raise NotFound(_("Invalid page."))
        offset = (self.number - 1) * self.size
        rows = list(queryset[offset : offset + self.size + 1])
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def _link(self, number: int | None) -> str | None:
        if number is None:
            return None
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.number + 1 if self.has_next else None),
                "previous": self._link(self.number - 1 if self.number > 1 else None),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number within the paginated result set.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_number},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


# --- permissions --------------------------------------------------------------------------


class WorksLeads(IsActiveStaff):
    """Reading follows the scope; writing needs a role that works leads (not inspectors),
    and changing one lead needs the right to work that lead (its owner or their manager)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return leads_access.can_work_leads(request.user) or leads_access.can_manage_leads(
            request.user
        )

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS or not isinstance(obj, Lead):
            return True
        return leads_access.can_work_lead(request.user, obj)


class IsPhoneSystem(permissions.BasePermission):
    """An active inbound key issued for calls (channel "inbound call").

    Web-form keys are often embedded in public pages, so they must not be able to post
    call records; a phone system gets its own key.
    """

    def has_permission(self, request, view) -> bool:
        key = request.auth
        return isinstance(key, InboundKey) and key.is_active and key.channel == Channel.INBOUND_CALL


# --- serializers --------------------------------------------------------------------------


class LeadListSerializer(serializers.ModelSerializer):
    phone_masked = serializers.CharField(read_only=True)
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(
        source="team.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "phone_masked",
            "company",
            "region",
            "product",
            "channel",
            "grade",
            "score",
            "status",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "next_followup_at",
            "last_contact_at",
            "followup_count",
            "created_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj) -> str | None:
        return user_name(obj.owner)


class LeadSerializer(LeadListSerializer):
    phone = PhoneField()
    # Not an EmailField: most leads have no email, and "" is not a valid `format: email`.
    email = serializers.CharField(read_only=True)
    campaign_name = serializers.CharField(
        source="campaign.name", read_only=True, default=None, allow_null=True
    )

    class Meta(LeadListSerializer.Meta):
        fields = [
            *LeadListSerializer.Meta.fields,
            "phone",
            "is_mobile",
            "email",
            "wechat",
            "notes",
            "budget",
            "intent",
            "timeline",
            "campaign",
            "campaign_name",
            "score_details",
            "closed_reason",
            "assigned_at",
            "missed_calls",
            "cooloff_until",
            "updated_at",
        ]
        read_only_fields = fields


class LeadWriteSerializer(serializers.Serializer):
    """Customer fields as received; `capture` cleans them like every other channel does
    (phone in any written form, budgets like `5万`)."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(max_length=40)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    region = serializers.CharField(required=False, allow_blank=True, max_length=100)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    wechat = serializers.CharField(required=False, allow_blank=True, max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True)
    product = serializers.CharField(required=False, allow_blank=True, max_length=100)
    budget = serializers.CharField(required=False, allow_blank=True, max_length=50)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    timeline = serializers.CharField(required=False, allow_blank=True, max_length=100)
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )


class LeadUpdateSerializer(LeadWriteSerializer):
    phone = serializers.CharField(max_length=40, required=False)


class DuplicateSerializer(serializers.Serializer):
    duplicate_of = serializers.IntegerField(
        allow_null=True,
        help_text="The lead that already has this phone; null when it is not yours to see "
        "(the customer is already being followed up by someone else).",
    )
    lead = LeadSerializer(allow_null=True, help_text="That lead, when the caller may see it.")


class FollowUpSerializer(serializers.ModelSerializer):
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
    lead = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=FollowUpChannel.choices)
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    product = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    budget = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    timeline = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    next_followup_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    call = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A call already recorded."
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


class CallSerializer(serializers.ModelSerializer):
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
    lead = serializers.IntegerField()
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


class PhoneRevealRequestSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=PhoneReveal.Purpose.choices, default=PhoneReveal.Purpose.API
    )
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Why."
    )


class PhoneRevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField(help_text="E.164")
    phone_display = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    data = serializers.DictField()


def _timeline_row(entry) -> dict:
    """One event of the timeline as JSON: who, a one-line summary, the facts by kind."""
    item = entry.object
    actor, summary, data = None, str(item), {}
    if entry.kind == "followup":
        actor = user_name(item.agent)
        summary = f"{item.get_disposition_display()} · {item.get_channel_display()}"
        data = {
            "channel": item.channel,
            "disposition": item.disposition,
            "notes": item.notes,
            "product": item.product,
            "budget": None if item.budget is None else str(item.budget),
            "timeline": item.timeline,
            "next_followup_at": item.next_followup_at,
            "call": item.call_id,
            "call_duration_seconds": item.call.duration_seconds if item.call else None,
        }
    elif entry.kind == "call":
        actor = user_name(item.agent)
        summary = f"{item.get_direction_display()} · {item.duration_seconds}s"
        data = {
            "direction": item.direction,
            "duration_seconds": item.duration_seconds,
            "recording_url": item.recording_url,
            "source": item.source,
        }
    elif entry.kind == "assignment":
        actor = user_name(item.by)
        summary = item.get_kind_display()
        data = {
            "kind": item.kind,
            "from_user": item.from_user_id,
            "to_user": item.to_user_id,
            "to_user_name": user_name(item.to_user),
            "team": item.team_id,
            "reason": item.reason,
        }
    elif entry.kind == "status":
        actor = user_name(item.by)
        summary = f"{item.get_from_status_display()} → {item.get_to_status_display()}"
        data = {
            "from_status": item.from_status,
            "to_status": item.to_status,
            "why": item.why,
            "source": item.source,
        }
    elif entry.kind == "audit":
        actor = item.actor_label or None
        summary = item.get_action_display()
        data = {
            "action": item.action,
            "changes": {name: [before, after] for name, before, after in item.changes},
            "readable": [list(change) for change in getattr(item, "readable_changes", [])],
        }
    elif entry.kind == "source":
        actor = user_name(item.created_by)
        summary = item.get_channel_display()
        data = {
            "channel": item.channel,
            "campaign": item.campaign_id,
            "is_duplicate": item.is_duplicate,
        }
    return {
        "at": entry.at,
        "kind": entry.kind,
        "id": getattr(item, "pk", None),
        "actor": actor,
        "summary": summary,
        "data": data,
    }


# --- viewsets -----------------------------------------------------------------------------


class TimelineQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        default=500,
        min_value=1,
        max_value=5000,
        help_text="How many of the newest events to return.",
    )


class LeadViewSet(ScopedViewSet):
    """Leads the caller may see. Create and edit go through capture (dedupe, DNC, score)."""

    visibility = leads_access.visible_leads
    permission_classes = [WorksLeads]
    filterset_class = LeadFilter
    pagination_class = UncountedPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["created_at", "next_followup_at", "last_contact_at", "score", "grade"]
    ordering = ["-created_at", "-id"]
    search_fields: list[str] = []  # `q` searches names and phones the fast way

    def refine_queryset(self, queryset):
        if self.action == "list":
            return queryset.select_related("owner", "team").only(*LIST_FIELDS)
        return queryset.select_related("owner", "team", "campaign")

    def get_serializer_class(self):
        return {
            "list": LeadListSerializer,
            "create": LeadWriteSerializer,
            "partial_update": LeadUpdateSerializer,
        }.get(self.action, LeadSerializer)

    def _detail(self, lead: Lead, code=status.HTTP_200_OK) -> Response:
        lead = self.get_queryset().get(pk=lead.pk)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data, code)

    @extend_schema(
        request=LeadWriteSerializer,
        responses={201: LeadSerializer, 200: DuplicateSerializer},
        description="Enter a lead by hand. A phone that is already known is not a second "
        "lead: the answer is 200 with `duplicate_of` (the capture is recorded on it).",
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        campaign = data.pop("campaign", None)
        try:
            result = capture.lead_capture(
                data=data, channel=Channel.MANUAL, campaign=campaign, by=request.user
            )
        except DjangoValidationError as error:
            raise_as_api_error(error)
        context = self.get_serializer_context()
        if result.created:
            # What the caller just entered, even if routing hands it to someone else's
            # team: showing their own input back reveals nothing.
            return Response(LeadSerializer(result.lead, context=context).data, status=201)
        visible = self.get_queryset().filter(pk=result.lead.pk).first()
        return Response(
            {
                "duplicate_of": result.duplicate_of.pk if result.duplicate_of else None,
                "lead": LeadSerializer(visible, context=context).data if visible else None,
            }
        )

    @extend_schema(request=LeadUpdateSerializer, responses={200: LeadSerializer})
    def partial_update(self, request, *args, **kwargs):
        lead = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            capture.lead_update(lead=lead, by=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        return self._detail(lead)

    @extend_schema(
        request=PhoneRevealRequestSerializer,
        responses={200: PhoneRevealSerializer},
        description="The lead's full phone number, for the caller to dial. Every reveal is "
        "logged (who, which lead, when, why); numbers elsewhere in the API are masked for "
        "roles the risk policy does not let see them.",
    )
    @action(
        detail=True,
        methods=["post"],
        pagination_class=None,
        filter_backends=[],
        permission_classes=[IsActiveStaff],
    )
    def reveal(self, request, pk=None):
        lead = self.get_object()
        serializer = PhoneRevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = risk.phone_reveal(
            user=request.user,
            lead=lead,
            purpose=serializer.validated_data["purpose"],
            reason=serializer.validated_data["reason"],
            ip=risk.client_ip(request),
        )
        return Response({"id": lead.pk, "phone": phone, "phone_display": phones.display(phone)})

    @extend_schema(
        parameters=[TimelineQuerySerializer],
        responses={200: TimelineEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        """What happened to the lead, newest first: the newest `limit` events (default 500)."""
        lead = self.get_object()  # first: a lead out of scope is 404 whatever the query
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = lead_timeline(lead, limit=query.validated_data["limit"])
        rows = [_timeline_row(entry) for entry in entries]
        return Response(TimelineEntrySerializer(rows, many=True).data)


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
        data = dict(serializer.validated_data)
        lead = leads_access.visible_leads(request.user).filter(pk=data.pop("lead")).first()
        if lead is None:
            raise_as_api_error(DjangoValidationError({"lead": _("Unknown lead.")}))
        call_id = data.pop("call")
        if call_id is not None:
            data["call"] = leads_access.visible_calls(request.user).filter(pk=call_id).first()
            if data["call"] is None:
                raise_as_api_error(DjangoValidationError({"call": _("Unknown call.")}))
        try:
            followup = followups.followup_log(lead=lead, agent=request.user, **data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        data = dict(serializer.validated_data)
        lead = leads_access.visible_leads(request.user).filter(pk=data.pop("lead")).first()
        if lead is None:
            raise_as_api_error(DjangoValidationError({"lead": _("Unknown lead.")}))
        try:
            call = followups.call_log(lead=lead, agent=request.user, **data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
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
        try:
            call = followups.call_record(**data)
        except DjangoValidationError as error:
            raise_as_api_error(error)
        code = status.HTTP_200_OK if known else status.HTTP_201_CREATED
        return Response(CallSerializer(call).data, status=code)


urlpatterns: list = []


def register(router) -> None:
    """Follow-ups and calls first, so `leads/{id}/` never swallows their prefixes."""
    router.register("leads/followups", FollowUpViewSet, basename="lead-followup")
    router.register("leads/calls", CallViewSet, basename="lead-call")
    router.register("leads", LeadViewSet, basename="lead")

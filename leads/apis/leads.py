"""Lead API: leads, their phone reveal and their timeline (follow-ups and calls are in
`leads.apis.followups`).

Rows come through `crm.api.ScopedViewSet` and the `crm.access.visible_*` selectors, so a
lead outside the caller's scope answers 404 like a missing one. Writes go through the
services (`capture.lead_capture`, `capture.lead_update`); their refusals are 400s naming
the field (`crm.api_defaults.exception_handler`).

Lists page without counting (`crm.pagination.UncountedPagination`): a head or an admin may
see a million leads, and `COUNT(*)` over those would cost more than the page itself.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import phones
from crm.api import FastRowsMixin, ScopedViewSet, user_name
from crm.api_defaults import IsActiveStaff
from crm.pagination import UncountedPagination
from leads import access as leads_access
from leads.apis.basis import DataBasisFields, DataBasisSerializer, stated_basis_pop
from leads.filters import LeadFilter
from leads.models import Campaign, Channel, Intent, Lead
from leads.selectors.leads import LIST_FIELDS, lead_data_basis, lead_timeline
from leads.services import capture
from risk import services as risk
from risk.models import PhoneReveal
from risk.serializers import PhoneField

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


# --- serializers --------------------------------------------------------------------------


class LeadListSerializer(FastRowsMixin, serializers.ModelSerializer):
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
    data_basis = serializers.SerializerMethodField(
        help_text="How the lead's data came: its first capture's channel, campaign, lawful "
        "basis, notice and times (null for leads captured before it was recorded)."
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
            "data_basis",
        ]
        read_only_fields = fields

    @extend_schema_field(DataBasisSerializer(allow_null=True))
    def get_data_basis(self, lead) -> dict | None:
        source = lead_data_basis(lead)
        return DataBasisSerializer(source).data if source else None


class LeadWriteSerializer(DataBasisFields):
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
    # The data basis belongs to a capture, not to an edit.
    basis = notice_version = notice_text = consented_at = None


class DuplicateSerializer(serializers.Serializer):
    duplicate_of = serializers.IntegerField(
        allow_null=True,
        help_text="The lead that already has this phone; null when it is not yours to see "
        "(the customer is already being followed up by someone else).",
    )
    lead = LeadSerializer(allow_null=True, help_text="That lead, when the caller may see it.")


# Named apart from its class: "…Request" would be doubled by the schema's request split.
@extend_schema_serializer(component_name="PhoneRevealReason")
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
        stated = stated_basis_pop(data)
        result = capture.lead_capture(
            data=data,
            channel=Channel.MANUAL,
            campaign=campaign,
            by=request.user,
            stated_basis=stated,
        )
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
        capture.lead_update(lead=lead, by=request.user, **serializer.validated_data)
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


urlpatterns: list = []


def register(router) -> None:
    """After every `leads/<prefix>/` route, so `leads/{id}/` never swallows them."""
    router.register("leads", LeadViewSet, basename="lead")

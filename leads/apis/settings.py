"""The lead settings API: what administrators configure (every change in the audit trail).

Staff read the campaigns, disposition rules and calling windows they work by; scoring and
routing rules, the lead policy, the teams' pool settings and inbound keys are for
administrators only (403 for anyone else). Only administrators write (403), through
`crm.api_defaults.AdminWritesOrReadOnly` / `AdminOnly`. A bad value is a 400 naming the
field: the serializers run the models' own checks (`crm.api.CleanModelSerializer`).

An inbound key's secret is shown once, in the answer that creates it; it is stored
hashed and no read shows it again.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import access
from crm.api import (
    CleanModelSerializer,
    ScopedRelatedField,
    ScopedSingletonViewSet,
    ScopedViewSet,
)
from crm.api_defaults import AdminOnly, AdminWritesOrReadOnly
from leads import access as leads_access

from ..inbound_auth import inbound_key_deactivate, inbound_key_issue
from ..models import (
    CallingWindow,
    Campaign,
    Channel,
    DispositionRule,
    Grade,
    InboundKey,
    Intent,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from ..services.capture import SCORABLE_FIELDS

# --- serializers --------------------------------------------------------------------------


class ScoringRuleSerializer(CleanModelSerializer):
    class Meta:
        model = ScoringRule
        fields = ["id", "name", "kind", "value", "points", "is_active"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        value = str(attrs.get("value", getattr(self.instance, "value", ""))).strip()
        allowed = {
            ScoringRule.Kind.CHANNEL: Channel.values,
            ScoringRule.Kind.INTENT: Intent.values,
            ScoringRule.Kind.HAS_FIELD: sorted(SCORABLE_FIELDS),
        }.get(kind)
        if allowed is not None and value not in allowed:
            raise serializers.ValidationError(
                {"value": _("One of: %(values)s") % {"values": ", ".join(allowed)}}
            )
        if kind == ScoringRule.Kind.BUDGET_AT_LEAST:
            try:
                number = Decimal(value)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                raise serializers.ValidationError({"value": _("A number, e.g. 10000.")})
        if not value:
            raise serializers.ValidationError({"value": _("This field may not be blank.")})
        attrs["value"] = value
        return attrs


class RoutingRuleSerializer(CleanModelSerializer):
    team = ScopedRelatedField(visibility=access.visible_teams)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "order",
            "is_active",
            "region",
            "product",
            "channel",
            "grades",
            "team",
            "team_name",
            "match_agent_skills",
        ]

    def validate_grades(self, value: str) -> str:
        value = value.strip().upper()
        if any(grade not in Grade.values for grade in value) or len(set(value)) != len(value):
            raise serializers.ValidationError(_("Grades from A, B, C, D, each once, e.g. AB."))
        return value


class DispositionRuleSerializer(CleanModelSerializer):
    class Meta:
        model = DispositionRule
        fields = [
            "id",
            "disposition",
            "set_status",
            "retry_after_minutes",
            "return_to_pool_after",
            "cooloff_days",
            "requires_next_followup",
        ]


class LeadPolicySerializer(CleanModelSerializer):
    default_team = ScopedRelatedField(
        visibility=access.visible_teams, allow_null=True, required=False
    )

    class Meta:
        model = LeadPolicy
        fields = list(LeadPolicy.SETTINGS_FIELDS)

    def validate(self, attrs):
        attrs = super().validate(attrs)

        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        if value("grade_b_from") >= value("grade_a_from"):
            raise serializers.ValidationError(
                {"grade_b_from": _("Grade B must start below grade A.")}
            )
        if value("grade_c_from") >= value("grade_b_from"):
            raise serializers.ValidationError(
                {"grade_c_from": _("Grade C must start below grade B.")}
            )
        return attrs


class TeamLeadSettingsSerializer(CleanModelSerializer):
    team = ScopedRelatedField(visibility=access.visible_teams)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = TeamLeadSettings
        fields = ["id", "team", "team_name", "strategy", "reclaim_after_days"]

    def validate_team(self, team):
        others = TeamLeadSettings.objects.filter(team=team)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("This team has its settings already."))
        return team


_WEEKDAYS = re.compile(r"[1-7]{1,7}")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        "example": "09:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the window's own time zone ("09:00"): no UTC offset, so not
    OpenAPI's `format: time` (RFC 3339 times carry one)."""


class CallingWindowSerializer(CleanModelSerializer):
    start = LocalTimeField(label=_("from"))
    end = LocalTimeField(label=_("until"))

    class Meta:
        model = CallingWindow
        fields = ["id", "name", "weekdays", "start", "end", "region", "timezone", "is_active"]

    def validate_weekdays(self, value: str) -> str:
        value = value.strip()
        if not _WEEKDAYS.fullmatch(value) or len(set(value)) != len(value):
            raise serializers.ValidationError(
                _("ISO weekday digits: 1 = Monday … 7 = Sunday, e.g. 12345")
            )
        return "".join(sorted(value))

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start is not None and end is not None and not start < end:
            raise serializers.ValidationError({"end": _("Must be later than the start.")})
        return super().validate(attrs)


class CampaignSerializer(CleanModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "channel", "starts_on", "ends_on", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": _("Must not be before the start.")})
        return super().validate(attrs)


class InboundKeySerializer(serializers.ModelSerializer):
    campaign = ScopedRelatedField(
        visibility=leads_access.visible_campaigns, allow_null=True, required=False
    )

    class Meta:
        model = InboundKey
        fields = [
            "id",
            "name",
            "prefix",
            "channel",
            "campaign",
            "is_active",
            "created_at",
            "last_used_at",
        ]
        read_only_fields = ["prefix", "is_active", "created_at", "last_used_at"]


class InboundKeyCreatedSerializer(InboundKeySerializer):
    key = serializers.CharField(
        read_only=True,
        help_text="The key to send as `X-Api-Key`. Shown this once: it is stored hashed.",
    )

    class Meta(InboundKeySerializer.Meta):
        fields = [*InboundKeySerializer.Meta.fields, "key"]


# --- views --------------------------------------------------------------------------------


@extend_schema(tags=["lead settings"])
class ScoringRuleViewSet(ScopedViewSet):
    """Points a lead earns by channel, region, product, intent, budget or filled-in
    fields; their sum gives its score and grade (administrators)."""

    visibility = leads_access.visible_scoring_rules
    permission_classes = [AdminOnly]
    serializer_class = ScoringRuleSerializer
    filterset_fields = ["kind", "is_active"]
    ordering_fields = ["kind", "value", "points"]
    ordering = ["kind", "value", "id"]


@extend_schema(tags=["lead settings"])
class RoutingRuleViewSet(ScopedViewSet):
    """Ordered rules sending new leads to a team; the first that matches wins
    (administrators)."""

    visibility = leads_access.visible_routing_rules
    permission_classes = [AdminOnly]
    serializer_class = RoutingRuleSerializer
    filterset_fields = ["team", "is_active"]
    ordering_fields = ["order"]
    ordering = ["order", "id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("team")


@extend_schema(tags=["lead settings"])
class DispositionRuleViewSet(ScopedViewSet):
    """What a follow-up's disposition does to the lead: its status, a retry, the pool,
    a cool-off. Staff read; administrators write."""

    visibility = leads_access.visible_disposition_rules
    permission_classes = [AdminWritesOrReadOnly]
    serializer_class = DispositionRuleSerializer
    ordering = ["disposition"]


@extend_schema(tags=["lead settings"])
class LeadPolicyViewSet(ScopedSingletonViewSet):
    """The center's lead policy (one row): grades, the pool's limits, reclaiming, imports
    and attempt caps (administrators)."""

    visibility = leads_access.visible_lead_policy
    permission_classes = [AdminOnly]
    serializer_class = LeadPolicySerializer


@extend_schema(tags=["lead settings"])
class TeamLeadSettingsViewSet(ScopedViewSet):
    """Per team: how its leads are handed out and after how many days without a
    follow-up they go back to the pool (empty: the policy's). Administrators."""

    visibility = leads_access.visible_team_lead_settings
    permission_classes = [AdminOnly]
    serializer_class = TeamLeadSettingsSerializer
    filterset_fields = ["team"]
    ordering = ["team__name", "id"]

    def refine_queryset(self, queryset):
        return queryset.select_related("team")


@extend_schema(tags=["lead settings"])
class CallingWindowViewSet(ScopedViewSet):
    """When customers may be called: weekdays and local hours, per region or the default
    (blank region). Staff read; administrators write."""

    visibility = leads_access.visible_calling_windows
    permission_classes = [AdminWritesOrReadOnly]
    serializer_class = CallingWindowSerializer
    filterset_fields = ["is_active"]
    ordering = ["region", "start", "id"]


@extend_schema(tags=["lead settings"])
class CampaignViewSet(ScopedViewSet):
    """Campaigns leads come from, each on one channel (deactivate, never delete). Staff
    read; administrators write."""

    visibility = leads_access.visible_campaigns
    permission_classes = [AdminWritesOrReadOnly]
    serializer_class = CampaignSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["channel", "is_active"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["-created_at", "-id"]


@extend_schema(tags=["lead settings"])
class InboundKeyViewSet(ScopedViewSet):
    """Keys for web forms and ad platforms posting leads to `POST /api/leads/inbound/`
    (administrators). The secret is in the answer to the create only."""

    visibility = leads_access.visible_inbound_keys
    permission_classes = [AdminOnly]
    serializer_class = InboundKeySerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["channel", "is_active"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=InboundKeySerializer, responses={201: InboundKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key, plaintext = inbound_key_issue(
            name=data["name"],
            channel=data.get("channel", Channel.WEB_FORM),
            campaign=data.get("campaign"),
        )
        key.key = plaintext
        return Response(
            InboundKeyCreatedSerializer(key, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: InboundKeySerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Stop accepting this key (for good: issue a new one to start again)."""
        key = inbound_key_deactivate(key=self.get_object())
        return Response(self.get_serializer(key).data)


def register(router) -> None:
    router.register("leads/scoring-rules", ScoringRuleViewSet, basename="scoring-rule")
    router.register("leads/routing-rules", RoutingRuleViewSet, basename="routing-rule")
    router.register("leads/disposition-rules", DispositionRuleViewSet, basename="disposition-rule")
    router.register("leads/team-settings", TeamLeadSettingsViewSet, basename="team-lead-settings")
    router.register("leads/calling-windows", CallingWindowViewSet, basename="calling-window")
    router.register("leads/campaigns", CampaignViewSet, basename="campaign")
    router.register("leads/inbound-keys", InboundKeyViewSet, basename="inbound-key")


urlpatterns = [LeadPolicyViewSet.path("leads/policy/", name="lead-policy")]

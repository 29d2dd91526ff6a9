"""Risk API: the risk policy (administrators) and the logs, read-only, in the caller's scope.

As on the risk pages (`risk.views`, rules in `risk.access`): the audit trail is searched by
administrators; the export log is read by managers (their team's), heads (their
subtree's) and administrators (all); phone reveals and refused contacts (risk events) by
heads (their subtree's) and administrators. Anyone else: 403. Nothing here writes a log:
they are append-only records of the services.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from crm.api import (
    CleanModelSerializer,
    ScopedReadOnlyViewSet,
    ScopedSingletonViewSet,
    user_name,
)
from crm.api_defaults import AdminOnly, IsActiveStaff
from crm.models import Role
from crm.pagination import UncountedPagination
from risk import access as risk_access

from .filters import AuditEntryFilter, ExportRecordFilter, PhoneRevealFilter, RiskEventFilter
from .models import AuditEntry, ExportRecord, PhoneReveal, RiskEvent, RiskPolicy

# --- permissions --------------------------------------------------------------------------


class _Reads(IsActiveStaff):
    rule = staticmethod(lambda user: False)

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and type(self).rule(request.user)


class ReadsAudit(_Reads):
    rule = staticmethod(risk_access.can_search_audit)


class ReadsExports(_Reads):
    rule = staticmethod(risk_access.can_see_exports)


class ReadsRisk(_Reads):
    rule = staticmethod(risk_access.can_see_risk)


# --- serializers --------------------------------------------------------------------------


class RiskPolicySerializer(CleanModelSerializer):
    full_number_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        max_length=len(Role.choices),
        help_text="Roles that see full phone numbers; everyone else sees 139****0945.",
    )
    export_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        max_length=len(Role.choices),
        help_text="Roles that may export (download) lists.",
    )
    export_max_rows = serializers.IntegerField(min_value=1, max_value=1_000_000)
    anomaly_factor = serializers.IntegerField(min_value=1, max_value=100)
    anomaly_floor = serializers.IntegerField(min_value=1, max_value=1_000_000)

    class Meta:
        model = RiskPolicy
        fields = [
            "full_number_roles",
            "export_roles",
            "export_max_rows",
            "anomaly_factor",
            "anomaly_floor",
        ]

    def validate_full_number_roles(self, roles: list[str]) -> list[str]:
        return list(dict.fromkeys(roles))

    def validate_export_roles(self, roles: list[str]) -> list[str]:
        return list(dict.fromkeys(roles))


class _ByUser(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()

    def get_user_name(self, row) -> str | None:
        return user_name(row.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "model_label",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
            "ip",
        ]
        read_only_fields = fields


class ExportRecordSerializer(_ByUser):
    class Meta:
        model = ExportRecord
        fields = [
            "id",
            "at",
            "user",
            "user_name",
            "kind",
            "query",
            "format",
            "row_count",
            "truncated",
        ]
        read_only_fields = fields


class RevealLogSerializer(_ByUser):
    """One full number shown or dialled (`risk.models.PhoneReveal`)."""

    class Meta:
        model = PhoneReveal
        fields = ["id", "at", "user", "user_name", "lead", "phone_masked", "purpose", "reason"]
        read_only_fields = fields


class RiskEventSerializer(_ByUser):
    class Meta:
        model = RiskEvent
        fields = [
            "id",
            "at",
            "kind",
            "user",
            "user_name",
            "lead",
            "phone_masked",
            "channel",
            "count",
            "detail",
        ]
        read_only_fields = fields


# --- views --------------------------------------------------------------------------------


@extend_schema(tags=["risk"])
class RiskPolicyViewSet(ScopedSingletonViewSet):
    """Which roles see full phone numbers and may export, how many rows an export holds,
    and when the dashboard flags someone (administrators)."""

    visibility = risk_access.visible_risk_policy
    permission_classes = [AdminOnly]
    serializer_class = RiskPolicySerializer


class _Log(ScopedReadOnlyViewSet):
    pagination_class = UncountedPagination
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]


@extend_schema(tags=["risk"])
class AuditEntryViewSet(_Log):
    """The audit trail: every change of a tracked record, with before and after
    (administrators)."""

    visibility = risk_access.visible_audit_entries
    permission_classes = [ReadsAudit]
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter


@extend_schema(tags=["risk"])
class ExportRecordViewSet(_Log):
    """Who exported what, when, with which filters and how many rows (managers: their
    team's; heads: their subtree's; administrators: all)."""

    visibility = risk_access.visible_exports
    permission_classes = [ReadsExports]
    serializer_class = ExportRecordSerializer
    filterset_class = ExportRecordFilter

    def refine_queryset(self, queryset):
        return queryset.select_related("user")


@extend_schema(tags=["risk"])
class PhoneRevealViewSet(_Log):
    """Every full phone number shown or dialled (heads: their subtree's; administrators:
    all)."""

    visibility = risk_access.visible_reveals
    permission_classes = [ReadsRisk]
    serializer_class = RevealLogSerializer
    filterset_class = PhoneRevealFilter

    def refine_queryset(self, queryset):
        return queryset.select_related("user")


@extend_schema(tags=["risk"])
class RiskEventViewSet(_Log):
    """Contacts and captures the controls refused: do-not-call, calling hours, attempt
    caps (heads: their subtree's; administrators: all)."""

    visibility = risk_access.visible_risk_events
    permission_classes = [ReadsRisk]
    serializer_class = RiskEventSerializer
    filterset_class = RiskEventFilter

    def refine_queryset(self, queryset):
        return queryset.select_related("user")


__all__ = [
    "AuditEntryViewSet",
    "ExportRecordViewSet",
    "PhoneRevealViewSet",
    "RiskEventViewSet",
    "RiskPolicyViewSet",
]

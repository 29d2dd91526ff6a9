"""Django admin for lead configuration and a read view of the rest.

Leads change hands only through `leads.services` (history), so the admin shows leads and
their history read-only; rules, the policy, campaigns and the do-not-call list are edited.
"""

from django.contrib import admin

from .models import (
    Assignment,
    Call,
    CallingWindow,
    Campaign,
    CampaignCost,
    ConsentNotice,
    DispositionRule,
    FollowUp,
    ImportJob,
    ImportRow,
    InboundKey,
    Lead,
    LeadEvent,
    LeadPolicy,
    LeadSource,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "starts_on", "ends_on", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]


@admin.register(CampaignCost)
class CampaignCostAdmin(admin.ModelAdmin):
    """What each campaign cost per month (the channel report's cost side)."""

    list_display = ["campaign", "month", "amount", "note"]
    list_filter = ["campaign__channel", "month"]
    autocomplete_fields = ["campaign"]
    exclude = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        obj.month = obj.month.replace(day=1)
        super().save_model(request, obj, form, change)


@admin.register(ConsentNotice)
class ConsentNoticeAdmin(admin.ModelAdmin):
    """The notices captures record (PIPL). The newest active one of a channel (else of
    every channel) applies by default. Once a capture cites a notice its wording is kept
    as it was: change it by adding a new version, and untick "applied by default" on the
    old one."""

    list_display = ["version", "basis", "channel", "is_active", "created_at"]
    list_filter = ["basis", "channel", "is_active"]
    search_fields = ["version", "text"]

    @staticmethod
    def _cited(obj) -> bool:
        return obj is not None and obj.pk is not None and obj.sources.exists()

    def get_readonly_fields(self, request, obj=None):
        if self._cited(obj):
            return ["version", "basis", "text", "created_at"]
        return ["created_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._cited(obj)


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "value", "points", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["points", "is_active"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "region", "product", "channel", "grades", "team", "is_active"]
    list_display_links = ["name"]
    list_editable = ["order", "is_active"]
    list_select_related = ["team"]


@admin.register(DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "disposition",
        "set_status",
        "retry_after_minutes",
        "return_to_pool_after",
        "cooloff_days",
        "requires_next_followup",
    ]


@admin.register(LeadPolicy)
class LeadPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "default_team",
        "reclaim_after_days",
        "pool_open_lead_cap",
        "pool_daily_claim_limit",
        "max_attempts_per_day",
        "max_attempts_per_week",
    ]

    def has_add_permission(self, request):
        return not LeadPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallingWindow)
class CallingWindowAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "weekdays", "start", "end", "timezone", "is_active"]
    list_filter = ["is_active"]


@admin.register(TeamLeadSettings)
class TeamLeadSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "strategy", "reclaim_after_days"]
    readonly_fields = ["last_assigned_to"]


@admin.register(InboundKey)
class InboundKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "channel", "campaign", "is_active", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are issued from the lead settings page, which shows the key once


class LeadSourceInline(admin.TabularInline):
    model = LeadSource
    extra = 0
    can_delete = False
    readonly_fields = [
        "channel",
        "campaign",
        "import_job",
        "is_duplicate",
        "received_at",
        "created_by",
        "basis",
        "notice",
        "consented_at",
    ]
    exclude = ["payload"]


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ["name", "phone", "status", "grade", "score", "owner", "team", "created_at"]
    list_filter = ["status", "grade", "channel", "team"]
    search_fields = ["phone", "name", "company"]
    list_select_related = ["owner", "team"]
    inlines = [LeadSourceInline]
    show_full_result_count = False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["at", "lead", "kind", "from_user", "to_user", "team", "by"]
    list_filter = ["kind"]
    list_select_related = ["lead", "from_user", "to_user", "team", "by"]
    show_full_result_count = False


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "lead", "from_status", "to_status", "source", "by"]
    list_filter = ["to_status", "source"]
    list_select_related = ["lead", "by"]
    show_full_result_count = False


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "lead", "agent", "channel", "disposition"]
    list_filter = ["channel", "disposition"]
    list_select_related = ["lead", "agent"]
    show_full_result_count = False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "direction", "agent", "lead", "duration_seconds", "source"]
    list_filter = ["direction", "source"]
    list_select_related = ["lead", "agent"]
    show_full_result_count = False


class ImportRowInline(admin.TabularInline):
    model = ImportRow
    extra = 0
    can_delete = False
    readonly_fields = ["row_number", "outcome", "field", "reason", "lead"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "original_name",
        "status",
        "created_count",
        "duplicate_count",
        "rejected_count",
    ]
    list_filter = ["status", "kind"]
    inlines = [ImportRowInline]

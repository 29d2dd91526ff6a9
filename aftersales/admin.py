"""Admin: revisit plans and ticket SLAs are configured here; tickets and revisits are
shown read-only (they change only through the services)."""

from django.contrib import admin

from .models import (
    ImprovementItem,
    Revisit,
    RevisitPlan,
    SatisfactionDrop,
    SatisfactionPolicy,
    ServiceTicket,
    TicketEvent,
    TicketSLA,
)


@admin.register(RevisitPlan)
class RevisitPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "days_after_delivery", "product_category", "tier", "is_active")
    list_editable = ("days_after_delivery", "is_active")
    list_filter = ("is_active",)


@admin.register(TicketSLA)
class TicketSLAAdmin(admin.ModelAdmin):
    list_display = ("priority", "resolve_within_hours")
    list_editable = ("resolve_within_hours",)


@admin.register(SatisfactionPolicy)
class SatisfactionPolicyAdmin(admin.ModelAdmin):
    """One row: when a team's satisfaction counts as dropped."""

    list_display = ("threshold", "window", "is_active", "updated_at")

    def has_add_permission(self, request):
        return not SatisfactionPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "from_status", "to_status", "note", "by", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceTicket)
class ServiceTicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "type", "priority", "status", "assignee", "due_at")
    list_filter = ("status", "type", "priority")
    list_select_related = ("assignee",)
    raw_id_fields = ("lead", "order", "assignee", "opened_by", "team")
    inlines = [TicketEventInline]


@admin.register(Revisit)
class RevisitAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "plan", "due_at", "assignee", "status", "satisfaction")
    list_filter = ("status", "plan")
    list_select_related = ("order", "plan", "assignee")
    raw_id_fields = ("order", "lead", "assignee", "done_by", "ticket")


@admin.register(ImprovementItem)
class ImprovementItemAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "owner", "team", "status", "created_at")
    list_filter = ("status", "source")
    list_select_related = ("owner", "team")
    raw_id_fields = ("revisit", "lead", "owner", "created_by", "team")


@admin.register(SatisfactionDrop)
class SatisfactionDropAdmin(ReadOnlyAdmin):
    list_display = ("team", "average", "threshold", "fired_at", "recovered_at")
    list_filter = ("recovered_at",)

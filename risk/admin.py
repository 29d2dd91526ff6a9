"""Risk records are read-only in the admin: nobody adds, changes or deletes them here. The
do-not-call list is the exception: numbers are added through `do_not_call_add`."""

from django.contrib import admin

from .models import AuditEntry, DoNotCall, ExportRecord, PhoneReveal, RiskEvent, RiskPolicy
from .services import do_not_call_add


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "model_label", "object_id", "object_repr"]
    list_filter = ["action", "model_label"]
    search_fields = ["object_id", "actor_label", "object_repr"]
    date_hierarchy = "at"
    list_select_related = False


@admin.register(PhoneReveal)
class PhoneRevealAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "lead", "phone_masked", "purpose", "reason"]
    list_filter = ["purpose"]
    list_select_related = ["user"]
    date_hierarchy = "at"


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "kind", "format", "row_count", "truncated"]
    list_filter = ["kind", "format"]
    list_select_related = ["user"]
    date_hierarchy = "at"


@admin.register(RiskEvent)
class RiskEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "phone_masked", "channel", "count", "detail"]
    list_filter = ["kind", "channel"]
    list_select_related = ["user"]
    date_hierarchy = "at"


@admin.register(RiskPolicy)
class RiskPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "full_number_roles", "export_roles", "export_max_rows"]

    def has_add_permission(self, request):
        return not RiskPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ["phone", "reason", "source", "added_by", "added_at"]
    list_filter = ["source"]
    search_fields = ["phone", "reason"]
    readonly_fields = ["added_by", "added_at"]

    def save_model(self, request, obj, form, change):
        do_not_call_add(phone=obj.phone, reason=obj.reason, source=obj.source, by=request.user)

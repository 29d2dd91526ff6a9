"""Admin: pause codes and the floor policy are configured here; the state log and the
phone system's records are shown read-only (written only by the calling services; the
phone system has its own settings page, which never shows its secret back)."""

from django.contrib import admin

from .models import (
    CallEvent,
    DialerLease,
    DialerSkip,
    FloorPolicy,
    PauseCode,
    PhoneCall,
    RecordingPlayback,
    StateChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PauseCode)
class PauseCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "max_minutes", "active", "sort_order")
    list_editable = ("max_minutes", "active", "sort_order")
    list_filter = ("active",)


@admin.register(FloorPolicy)
class FloorPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "wrap_up_seconds", "idle_timeout_minutes", "idle_alert_minutes")

    def has_add_permission(self, request):
        return not FloorPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdmin):
    list_display = ("user", "state", "pause_code", "started_at", "ended_at", "source")
    list_filter = ("state", "source")
    list_select_related = ("user", "pause_code")
    date_hierarchy = "started_at"
    search_fields = ("user__username",)


@admin.register(PhoneCall)
class PhoneCallAdmin(ReadOnlyAdmin):
    list_display = ["reference", "source", "external_id", "agent", "status", "requested_at"]
    list_filter = ["status", "source"]
    search_fields = ["external_id"]
    raw_id_fields = ["agent", "lead", "call"]


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdmin):
    list_display = ["phone_call", "kind", "at", "received_at"]
    raw_id_fields = ["phone_call"]


@admin.register(RecordingPlayback)
class RecordingPlaybackAdmin(ReadOnlyAdmin):
    list_display = ["call", "user", "at", "ip"]
    raw_id_fields = ["call", "user"]


@admin.register(DialerLease)
class DialerLeaseAdmin(ReadOnlyAdmin):
    list_display = ["lead", "agent", "taken_at", "expires_at"]
    raw_id_fields = ["lead", "agent"]


@admin.register(DialerSkip)
class DialerSkipAdmin(ReadOnlyAdmin):
    list_display = ["lead", "agent", "reason", "at"]
    raw_id_fields = ["lead", "agent", "session"]

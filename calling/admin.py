"""The calling floor in the admin: read-only logs (the phone system has its own page,
which never shows its secret back)."""

from django.contrib import admin

from .models import CallEvent, DialerLease, DialerSkip, PhoneCall, RecordingPlayback


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

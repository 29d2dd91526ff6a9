"""Admin: pause codes and the floor policy are configured here; the state log is shown
read-only (it is written only by `calling.services.states.change_state`)."""

from django.contrib import admin

from .models import FloorPolicy, PauseCode, StateChange


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
class StateChangeAdmin(admin.ModelAdmin):
    list_display = ("user", "state", "pause_code", "started_at", "ended_at", "source")
    list_filter = ("state", "source")
    list_select_related = ("user", "pause_code")
    date_hierarchy = "started_at"
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Requests from people in Django's admin: read-only (they change through the services)."""

from django.contrib import admin

from .models import SubjectRequest


@admin.register(SubjectRequest)
class SubjectRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "received_at", "due_on", "handled_by")
    list_filter = ("kind", "status")
    readonly_fields = [field.name for field in SubjectRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

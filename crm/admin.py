"""Django admin for the org. Saves go through the same services as the app and the API."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import (
    Department,
    HeadcountSnapshot,
    Member,
    MemberEvent,
    ReplicaPolicy,
    Skill,
    Team,
    TeamMembership,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "kind", "head", "path"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]
    readonly_fields = ["path", "depth"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "— " * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        services.department_save(department=obj, by=request.user)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "manager", "target_size", "is_active"]
    list_filter = ["is_active", "department"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]

    def save_model(self, request, obj, form, change):
        services.team_save(team=obj, by=request.user)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    can_delete = False
    readonly_fields = ["team", "started_at", "ended_at", "moved_by", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Team and status are read-only here: use the org page's move/status actions (history)."""

    list_display = ["employee_no", "__str__", "role", "team", "status", "hire_date", "leave_date"]
    list_filter = ["role", "status", "team__department", "team"]
    search_fields = ["employee_no", "user__username", "user__first_name", "extension"]
    list_select_related = ["user", "team"]
    readonly_fields = ["user", "team", "status", "leave_date", "leave_reason", "leave_note"]
    filter_horizontal = ["skills"]
    inlines = [TeamMembershipInline]

    def has_add_permission(self, request):
        return False  # hire through the org page or the API so the user and history are made

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.PROFILE_FIELDS
            if name in form.cleaned_data
        }
        try:
            services.member_update(member=obj, by=request.user, **fields)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), level="error")


@admin.register(ReplicaPolicy)
class ReplicaPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "max_lag_seconds", "updated_at")

    def has_add_permission(self, request):
        return not ReplicaPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(MemberEvent)
class MemberEventAdmin(admin.ModelAdmin):
    list_display = ["at", "member", "kind", "by"]
    list_filter = ["kind"]
    list_select_related = ["member__user", "by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(HeadcountSnapshot)
class HeadcountSnapshotAdmin(admin.ModelAdmin):
    list_display = ["day", "team", "headcount", "active", "onboarding", "on_leave"]
    list_filter = ["team"]
    date_hierarchy = "day"


# Two-factor devices are changed only through `crm.two_factor.devices` (enrolment by the
# user, reset by an administrator from the member page), each audited: django-otp's own
# admin pages would add, edit and delete them unseen.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

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


# django-axes (sign-in lockouts) ships no Chinese and its rows are no one's but a
# superuser's: its section and tables are named in our catalog, and shown to superusers
# only (a staff account that is not one sees neither the section nor the rows).
def _superusers_only(admin_class):
    def allowed(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    return type(
        f"SuperuserOnly{admin_class.__name__}",
        (admin_class,),
        {
            "has_module_permission": lambda self, request: allowed(self, request),
            "has_view_permission": allowed,
            "has_change_permission": allowed,
            "has_delete_permission": allowed,
            "has_add_permission": lambda self, request, obj=None: False,
        },
    )


def _axes_in_our_words() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.apps import apps

    apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")
    names = {
        AccessAttempt: (_("locked-out sign-in"), _("locked-out sign-ins")),
        AccessLog: (_("sign-in record"), _("sign-in records")),
        AccessFailureLog: (_("failed sign-in"), _("failed sign-ins")),
    }
    for model, (one, many) in names.items():
        model._meta.verbose_name, model._meta.verbose_name_plural = one, many
        if admin.site.is_registered(model):
            admin_class = type(admin.site._registry[model])
            admin.site.unregister(model)
            admin.site.register(model, _superusers_only(admin_class))


_axes_in_our_words()

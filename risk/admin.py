"""Risk records are read-only in the admin: nobody adds, changes or deletes them here. The
do-not-call list is the exception: numbers are added through `do_not_call_add`; so are the
retention periods (`retention_policy_set`)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm import retention

from .models import (
    AuditEntry,
    DoNotCall,
    ExportRecord,
    PhoneReveal,
    RetentionPolicy,
    RetentionRun,
    RiskEvent,
    RiskPolicy,
)
from .services import do_not_call_add, retention_periods_install, retention_policy_set


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


class RetentionPolicyForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("kind"))

    class Meta:
        model = RetentionPolicy
        fields = ["kind", "days", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (code, f"{kind.label} ({code}, {kind.default_days})")
            for code, kind in retention.kinds().items()
        ]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """Periods per kind of data; a kind without a row keeps its built-in period (shown in
    the kind's choice). Saved through `retention_policy_set`."""

    form = RetentionPolicyForm
    list_display = ["kind", "what", "days", "enabled", "updated_at", "updated_by"]
    list_select_related = ["updated_by"]

    def changelist_view(self, request, extra_context=None):
        retention_periods_install()  # every kind listed, at its built-in period until set
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what"))
    def what(self, obj):
        kind = retention.kinds().get(obj.kind)
        if kind is None:
            return "—"
        return f"{kind.label} — {kind.help_text}" if kind.help_text else str(kind.label)

    def save_model(self, request, obj, form, change):
        saved = retention_policy_set(
            kind=obj.kind, days=obj.days, enabled=obj.enabled, by=request.user
        )
        obj.pk = saved.pk


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """The nightly reports: per kind, its period, cut-off and how many rows went."""

    list_display = ["started_at", "finished_at", "dry_run", "total", "summary", "failed"]
    list_filter = ["dry_run"]
    date_hierarchy = "started_at"
    readonly_fields = ["started_at", "finished_at", "dry_run", "total", "report", "error"]

    @admin.display(description=_("removed per kind"))
    def summary(self, obj):
        return ", ".join(f"{kind}: {count}" for kind, count in obj.counts.items() if count) or "—"

    @admin.display(description=_("failed"), boolean=True)
    def failed(self, obj):
        return bool(obj.error)

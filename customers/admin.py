"""Admin: tiers and their thresholds are configured here (or `/api/customers/tiers/`);
customers, contacts and merges are shown read-only (they change through the services)."""

from django.contrib import admin

from .models import Contact, Customer, Merge, Tier
from .services.tiers import tier_saved


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "within_days", "min_orders", "min_money", "is_active")
    list_editable = ("priority", "within_days", "min_orders", "min_money", "is_active")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tier_saved()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        tier_saved()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "value", "label", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "company", "kind", "tier", "owner", "team", "order_count")
    list_filter = ("tier", "kind")
    list_select_related = ("tier", "owner", "team")
    search_fields = ("name", "company", "contacts__value")
    raw_id_fields = ("owner", "team", "origin_lead", "merged_into", "created_by")
    inlines = [ContactInline]


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    list_display = ("id", "winner", "loser", "by", "at", "undone_at")
    list_select_related = ("winner", "loser", "by")
    raw_id_fields = ("winner", "loser", "by", "undone_by")

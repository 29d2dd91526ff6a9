"""Django admin: the catalog and discount limits are edited here by administrators;
orders change only through `orders.services` (their history), so they are read-only."""

from django import forms
from django.contrib import admin

from crm.models import Role

from .models import DiscountLimit, Order, OrderEvent, OrderLine, Product, SalesEntry


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "kind", "category", "list_price", "is_active"]
    list_filter = ["kind", "category", "is_active"]
    search_fields = ["sku", "name"]
    list_editable = ["is_active"]


class DiscountLimitForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices)

    class Meta:
        model = DiscountLimit
        fields = ["role", "max_percent"]


@admin.register(DiscountLimit)
class DiscountLimitAdmin(admin.ModelAdmin):
    form = DiscountLimitForm
    list_display = ["role", "max_percent"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "approval", "agent", "team", "total", "created_at"]
    list_filter = ["status", "approval"]
    search_fields = ["number"]
    list_select_related = ["agent", "team"]
    raw_id_fields = ["lead", "agent", "team", "approved_by", "created_by"]
    inlines = [OrderLineInline, OrderEventInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SalesEntry)
class SalesEntryAdmin(admin.ModelAdmin):
    list_display = ["day", "order", "kind", "agent", "team", "amount"]
    list_filter = ["kind"]
    list_select_related = ["order", "agent", "team"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Customers API under /api/customers/: the list and search, the customer (with its
contacts and leads), contacts added, duplicates, merge and undo, and the tiers
(administrators write them).

Rows come through `crm.api` scoped bases and `customers.access`, so a customer outside
the caller's scope answers 404 like a missing one. Writes go through `customers.services`;
their refusals are 400s naming the field.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from crm.api import ScopedReadOnlyViewSet, ScopedRelatedField, ScopedViewSet, user_name
from crm.api_defaults import IsActiveStaff
from risk.access import phone_for

from . import access, selectors
from .models import Contact, ContactKind, Customer, Merge, Tier
from .services import linking, merging
from .services.tiers import tier_saved

# --- serializers --------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(
        help_text="Phones masked unless the caller sees full numbers."
    )

    class Meta:
        model = Contact
        fields = ["id", "kind", "value", "label", "created_at"]
        read_only_fields = fields

    def get_value(self, obj) -> str:
        if obj.kind == ContactKind.PHONE:
            return phone_for(self.context["request"].user, obj.value)
        return obj.value


class CustomerSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    tier_name = serializers.CharField(
        source="tier.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "name",
            "company",
            "owner",
            "owner_name",
            "team",
            "tier",
            "tier_name",
            "last_order_at",
            "order_count",
            "money_total",
            "created_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj) -> str | None:
        return user_name(obj.owner)


class CustomerLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    phone_masked = serializers.CharField()
    created_at = serializers.DateTimeField()


class CustomerOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    lead = serializers.IntegerField(source="lead_id")
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()


class CustomerDetailSerializer(CustomerSerializer):
    contacts = serializers.SerializerMethodField()
    leads = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField()
    lead_for_new_order = serializers.SerializerMethodField(
        help_text="The lead a repeat sale is taken from (POST /api/orders/ with it)."
    )

    class Meta(CustomerSerializer.Meta):
        fields = [
            *CustomerSerializer.Meta.fields,
            "notes",
            "contacts",
            "leads",
            "orders",
            "satisfaction",
            "lead_for_new_order",
        ]
        read_only_fields = fields

    def _history(self, obj):
        if not hasattr(obj, "_history"):
            obj._history = selectors.customer_history(obj)
        return obj._history

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, obj):
        return ContactSerializer(obj.contacts.all(), many=True, context=self.context).data

    @extend_schema_field(CustomerLeadSerializer(many=True))
    def get_leads(self, obj):
        return CustomerLeadSerializer(self._history(obj).leads, many=True).data

    @extend_schema_field(CustomerOrderSerializer(many=True))
    def get_orders(self, obj):
        return CustomerOrderSerializer(self._history(obj).orders, many=True).data

    def get_satisfaction(self, obj) -> float | None:
        mean = self._history(obj).satisfaction["mean"]
        return round(float(mean), 2) if mean is not None else None

    def get_lead_for_new_order(self, obj) -> int | None:
        lead = selectors.lead_for_new_order(obj)
        return lead.pk if lead else None


class ContactCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = serializers.CharField(max_length=254)
    label = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)


class MergeSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = Merge
        fields = [
            "id",
            "winner",
            "loser",
            "by",
            "by_name",
            "at",
            "moved",
            "fields",
            "undone_at",
            "undone_by",
        ]
        read_only_fields = fields

    def get_by_name(self, obj) -> str | None:
        return user_name(obj.by)


class MergeCreateSerializer(serializers.Serializer):
    loser = ScopedRelatedField(
        visibility=access.visible_customers,
        help_text="The customer merged into this one (it is hidden, its leads move here).",
    )
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=[merging.WINNER, merging.LOSER]),
        required=False,
        default=dict,
        help_text=(
            "Per field (kind, name, company, notes, owner, team): 'winner' keeps this "
            "customer's value (the default), 'loser' takes the merged-in one's."
        ),
    )


class CustomerDuplicateSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    why = serializers.CharField(help_text="The shared contact's kind, or 'name'.")


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "priority", "within_days", "min_orders", "min_money", "is_active"]
        extra_kwargs = {
            "within_days": {"min_value": 1, "max_value": 36500},
            "min_orders": {"max_value": 1_000_000},
            "priority": {"max_value": 32767},
        }


# --- permissions ------------------------------------------------------------------------


class WorksCustomers(IsActiveStaff):
    """Reading follows the scope; adding a contact needs the owner or a manager above;
    merging and undoing need a manager, head or admin."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) in ("merge", "undo"):
            return access.can_merge_customers(request.user)
        return True


class ConfiguresTiers(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or access.can_configure_tiers(
            request.user
        )


# --- views --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        description=(
            "Customers in the caller's scope (like leads: own, team's, subtree's; admins "
            "and inspectors all), newest first. `q` finds by a whole phone number in any "
            "written form, an email or a WeChat id (exact), else by name or company."
        ),
        parameters=[OpenApiParameter("q", str, description="phone, email, WeChat id or name")],
    ),
    retrieve=extend_schema(
        description="One customer with contacts, leads, orders (with totals) and satisfaction."
    ),
)
class CustomerViewSet(ScopedReadOnlyViewSet):
    visibility = access.visible_customers
    permission_classes = [WorksCustomers]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("owner", "team", "tier")
        if self.action == "list":
            q = (self.request.query_params.get("q") or "").strip()[:100]
            if q:
                ids = selectors.customers_for_list(self.request.user, q=q).values("pk")
                queryset = queryset.filter(pk__in=ids)
        return queryset.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return CustomerDetailSerializer if self.action == "retrieve" else CustomerSerializer

    def _detail(self, customer, code=status.HTTP_200_OK) -> Response:
        customer = selectors.customer_for_page(self.request.user).get(pk=customer.pk)
        return Response(
            CustomerDetailSerializer(customer, context=self.get_serializer_context()).data, code
        )

    @extend_schema(
        request=ContactCreateSerializer,
        responses={201: ContactSerializer},
        description=(
            "Add a phone (stored E.164), email or WeChat id. Refused (400 on `value`) when "
            "another customer holds it: merge them instead."
        ),
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        customer = self.get_object()
        if not access.can_edit_customer(request.user, customer):
            raise NotFound
        serializer = ContactCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = linking.contact_add(
            customer=customer, by=request.user, **serializer.validated_data
        )
        return Response(
            ContactSerializer(contact, context=self.get_serializer_context()).data,
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={200: CustomerDuplicateSerializer(many=True)},
        description=(
            "Possible duplicates in the caller's scope: a shared phone, email or WeChat id, "
            "or a similar name and company (pg_trgm where installed, else equal names)."
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def duplicates(self, request, pk=None):
        customer = self.get_object()
        rows = [
            {"customer": other, "why": why}
            for other, why in selectors.duplicates_for(request.user, customer)
        ]
        return Response(
            CustomerDuplicateSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=MergeCreateSerializer,
        responses={201: MergeSerializer},
        description=(
            "Merge `loser` into this customer (managers, heads, admins; both in scope): "
            "its leads with their orders, tickets and revisits and the contacts this one "
            "lacks move here; `choices` picks each field's value. Recorded (ids moved per "
            "kind, values before) and undone by POST /api/customers/merges/{id}/undo/."
        ),
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        customer = self.get_object()
        serializer = MergeCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        record = merging.customers_merge(
            winner=customer,
            loser=serializer.validated_data["loser"],
            by=request.user,
            choices=serializer.validated_data["choices"],
        )
        return Response(MergeSerializer(record).data, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(description="Merges of customers in the caller's scope, newest first."),
)
class MergeViewSet(ScopedReadOnlyViewSet):
    visibility = access.visible_merges
    permission_classes = [WorksCustomers]
    serializer_class = MergeSerializer

    def refine_queryset(self, queryset):
        return queryset.select_related("by").order_by("-at", "-id")

    @extend_schema(
        request=None,
        responses={200: MergeSerializer},
        description=(
            "Undo the merge exactly: its leads and contacts go back, the kept customer's "
            "values before return, the merged-in customer is shown again. 400 on `merge` "
            "once undone or while the kept customer is merged into another."
        ),
    )
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        record = merging.merge_undo(merge=self.get_object(), by=request.user)
        return Response(MergeSerializer(record).data)


@extend_schema_view(
    list=extend_schema(description="The tiers, checked by priority (lowest first)."),
    create=extend_schema(description="Administrators: a new tier; every customer is re-tiered."),
)
class TierViewSet(ScopedViewSet):
    """Tiers after the sale and their RFM thresholds: everyone reads, administrators edit
    (each change queues a recompute of every customer's tier)."""

    visibility = access.visible_tiers
    permission_classes = [ConfiguresTiers]
    serializer_class = TierSerializer
    pagination_class = None

    def refine_queryset(self, queryset):
        return queryset.order_by("priority", "id")

    @transaction.atomic
    def perform_create(self, serializer):
        serializer.save()
        tier_saved()

    @transaction.atomic
    def perform_update(self, serializer):
        serializer.save()
        tier_saved()

    @transaction.atomic
    def perform_destroy(self, instance):
        instance.delete()
        tier_saved()

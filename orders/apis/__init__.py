"""Order API: the product catalog and orders with their moves.

Rows come through `crm.api.ScopedViewSet` and `crm.access.visible_*`, so an order outside
the caller's scope answers 404 like a missing one. Writes go through `orders.services`;
a refused move is a 400 naming the field (`status` for an illegal move, `approval`,
`reason`, `tracking_number`, `paid`, `lines` ...). Lists page without counting.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import (
    CleanModelSerializer,
    FastRowsMixin,
    ScopedRelatedField,
    ScopedViewSet,
    user_name,
)
from crm.api_defaults import AdminWritesOrReadOnly, IsActiveStaff
from crm.models import Role
from crm.pagination import UncountedPagination
from leads import access as leads_access
from orders import access as orders_access

from ..filters import OrderFilter, ProductFilter
from ..models import (
    DiscountLimit,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentTerms,
    Product,
)
from ..selectors import for_list, newest_first, with_overdue
from ..services import discounts, line_items, order_moves, product_catalog, taking
from .money import OrderMoneyActions

# --- pagination ---------------------------------------------------------------------------


class OrderPagination(UncountedPagination):
    """Pages without counting; newest first (the default order) along the scope's indexes
    (`orders.selectors.newest_first`), so a manager's first page reads ~50 rows, not 9,000."""

    def rows(self, queryset, request, *, offset: int, limit: int) -> list:
        if request.query_params.get("ordering"):
            return super().rows(queryset, request, offset=offset, limit=limit)
        return newest_first(queryset, request.user, offset=offset, limit=limit)


# --- permissions --------------------------------------------------------------------------


class CatalogPermission(IsActiveStaff):
    """All staff read the catalog; administrators keep it."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or orders_access.can_manage_catalog(
            request.user
        )


class OrderPermission(IsActiveStaff):
    """Reading follows the scope; writing needs a role that sells, manages or approves
    (inspectors read only). Whether the caller may act on one order is the service's call."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if getattr(view, "action", None) in ("approve", "reject"):
            return orders_access.can_approve_discounts(user)
        return orders_access.can_take_orders(user) or orders_access.can_manage_orders(user)


# --- serializers --------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    list_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "kind",
            "category",
            "list_price",
            "is_active",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness is the service's check (a 400 naming `sku`), not a validator here.
        extra_kwargs = {"sku": {"validators": []}}


class OrderLineSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "product_name",
            "product_sku",
            "quantity",
            "unit_price",
            "discount",
            "amount",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()
    # "" when the event is no move (created, edited, approved ...).
    from_status = serializers.CharField(read_only=True, help_text="An order status, or empty.")
    to_status = serializers.CharField(read_only=True, help_text="An order status, or empty.")

    class Meta:
        model = OrderEvent
        fields = ["id", "kind", "from_status", "to_status", "reason", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, obj) -> str | None:
        return user_name(obj.by)


class OrderListSerializer(FastRowsMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="lead.name", read_only=True)
    customer_phone_masked = serializers.CharField(source="lead.phone_masked", read_only=True)
    agent_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(
        source="team.name", read_only=True, default=None, allow_null=True
    )
    delivery_overdue = serializers.BooleanField(read_only=True)
    discount_percent = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "lead",
            "customer_name",
            "customer_phone_masked",
            "agent",
            "agent_name",
            "team",
            "team_name",
            "status",
            "approval",
            "list_total",
            "discount_total",
            "discount_percent",
            "total",
            "payment_terms",
            "is_paid",
            "expected_delivery_on",
            "delivery_overdue",
            "created_at",
            "confirmed_at",
            "delivered_at",
        ]
        read_only_fields = fields

    def get_agent_name(self, obj) -> str | None:
        return user_name(obj.agent)


class OrderSerializer(OrderListSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)
    allowed_moves = serializers.ListField(
        child=serializers.ChoiceField(choices=OrderStatus.choices),
        read_only=True,
        help_text="The statuses the order may move to next.",
    )

    class Meta(OrderListSerializer.Meta):
        fields = [
            *OrderListSerializer.Meta.fields,
            "approved_by",
            "approved_at",
            "delivery_address",
            "notes",
            "tracking_number",
            "shipped_at",
            "closed_at",
            "updated_at",
            "allowed_moves",
            "lines",
            "events",
        ]
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=line_items.MAX_QUANTITY)
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Empty: the product's list price.",
    )
    discount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, default=0
    )


class OrderEditSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True, required=False, max_length=line_items.MAX_LINES)
    payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices, required=False)
    delivery_address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    expected_delivery_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class OrderCreateSerializer(OrderEditSerializer):
    lead = ScopedRelatedField(visibility=leads_access.visible_leads)
    lines = LineInputSerializer(many=True, min_length=1, max_length=line_items.MAX_LINES)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class PaidSerializer(ReasonSerializer):
    paid = serializers.BooleanField(
        required=False, default=False, help_text="The payment came in with this move."
    )


class ShipSerializer(ReasonSerializer):
    tracking_number = serializers.CharField(max_length=100, allow_blank=True)


# --- viewsets -----------------------------------------------------------------------------


class ProductViewSet(ScopedViewSet):
    """The catalog: read by all staff, kept by administrators (deactivate, never delete)."""

    visibility = orders_access.visible_products
    permission_classes = [CatalogPermission]
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["name", "sku", "list_price", "category"]
    ordering = ["category", "name", "id"]

    def refine_queryset(self, queryset):
        return queryset.order_by("category", "name", "id")

    def _save(self, product: Product, code) -> Response:
        product_catalog.product_save(product=product, by=self.request.user)
        return Response(ProductSerializer(product).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._save(Product(**serializer.validated_data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(product, name, value)
        return self._save(product, status.HTTP_200_OK)


class DiscountLimitSerializer(CleanModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = DiscountLimit
        fields = ["id", "role", "max_percent"]
        validators = []  # the role's uniqueness is checked in `validate_role`, naming it

    def validate_role(self, role: str) -> str:
        others = DiscountLimit.objects.filter(role=role)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("This role has a limit already."))
        return role


@extend_schema(tags=["orders"])
class DiscountLimitViewSet(ScopedViewSet):
    """The largest discount (percent off the list total) each role may give without an
    approval; a role without a row gives none. Staff read; administrators write."""

    visibility = orders_access.visible_discount_limits
    permission_classes = [AdminWritesOrReadOnly]
    serializer_class = DiscountLimitSerializer
    pagination_class = None
    ordering = ["role"]


def _move_action(name: str, to: str, serializer_class, doc: str):
    """A POST action `name` moving the order to `to` through its service."""

    @extend_schema(request=serializer_class, responses={200: OrderSerializer}, description=doc)
    def move(self, request, pk=None):
        order = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_moves.MOVES[to](order=order, by=request.user, **serializer.validated_data)
        return self._detail(order)

    move.__doc__ = doc
    move.__name__ = move.__qualname__ = name
    return action(detail=True, methods=["post"])(move)


class OrderViewSet(OrderMoneyActions, ScopedViewSet):
    """Orders the caller may see; taking one from a lead, editing a draft, and moving it
    along the state machine (each move its own action)."""

    visibility = orders_access.visible_orders
    permission_classes = [OrderPermission]
    filterset_class = OrderFilter
    pagination_class = OrderPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["created_at", "total", "expected_delivery_on"]
    ordering = ["-created_at", "-id"]

    def refine_queryset(self, queryset):
        if self.action == "list":
            return for_list(queryset)
        queryset = with_overdue(queryset.select_related("lead", "agent", "team"))
        return queryset.select_related("approved_by").prefetch_related(
            "lines__product", "events__by"
        )

    def get_serializer_class(self):
        return {
            "list": OrderListSerializer,
            "create": OrderCreateSerializer,
            "partial_update": OrderEditSerializer,
        }.get(self.action, OrderSerializer)

    def _detail(self, order: Order, code=status.HTTP_200_OK) -> Response:
        order = (
            with_overdue(orders_access.visible_orders(self.request.user))
            .select_related("lead", "agent", "team", "approved_by")
            .prefetch_related("lines__product", "events__by")
            .get(pk=order.pk)
        )
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, code)

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        description="Take an order from a lead the caller works: the customer is the lead, "
        "the agent its owner; the lead becomes won. A discount beyond the seller's limit "
        "makes the order wait for a manager's approval (`approval: pending`).",
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = taking.order_create_from_lead(by=request.user, **serializer.validated_data)
        return self._detail(order, status.HTTP_201_CREATED)

    @extend_schema(
        request=OrderEditSerializer,
        responses={200: OrderSerializer},
        description="Change a draft: its lines (all of them, replaced) and/or its terms.",
    )
    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        taking.order_edit(order=order, by=request.user, **serializer.validated_data)
        return self._detail(order)

    confirm = _move_action(
        "confirm",
        OrderStatus.CONFIRMED,
        ReasonSerializer,
        "确认订单: confirmed with the customer (draft only; not while a discount waits "
        "for approval or was refused). The total counts as sold today.",
    )
    process = _move_action(
        "process",
        OrderStatus.PROCESSING,
        PaidSerializer,
        "订单处理: checked and approved inside the company; a prepaid order needs its "
        "payment (`paid`).",
    )
    ship = _move_action(
        "ship", OrderStatus.SHIPPED, ShipSerializer, "Shipped, with its tracking number."
    )
    deliver = _move_action(
        "deliver",
        OrderStatus.DELIVERED,
        PaidSerializer,
        "订单交付: the customer has it (revisits are scheduled from here).",
    )
    complete = _move_action(
        "complete", OrderStatus.COMPLETED, ReasonSerializer, "Completed after delivery."
    )
    cancel = _move_action(
        "cancel",
        OrderStatus.CANCELLED,
        ReasonSerializer,
        "Cancel before shipping; `reason` is required. A confirmed total is taken back.",
    )
    refund = _move_action(
        "refund",
        OrderStatus.REFUNDED,
        ReasonSerializer,
        "Refund or return after delivery; `reason` is required. The total is taken back.",
    )

    def _approval(self, service, request) -> Response:
        order = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(order=order, by=request.user, **serializer.validated_data)
        return self._detail(order)

    @extend_schema(request=ReasonSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a discount waiting for it (a manager, head or admin over the order)."""
        return self._approval(discounts.order_approve, request)

    @extend_schema(request=ReasonSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse a discount waiting for approval; `reason` is required."""
        return self._approval(discounts.order_reject, request)

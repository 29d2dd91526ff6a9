"""Money received in the API: an order's payments (list, record, refund), its installment
plan (read, replace) and the receivables aging (`/api/receivables/`).

Orders come through the order viewset's scope (`visible_orders`), so another agent's order
answers 404; writes go through `orders.services.payments`, whose refusals are 400s naming
the field (`amount`, `method`, `paid_on`, `installments`, `order`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api import ScopedQuerysetMixin, user_name

from .. import access as orders_access
from .. import selectors
from ..models import PaymentMethod
from ..services import payments

MONEY = {"max_digits": 12, "decimal_places": 2}


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(**MONEY, read_only=True)
    method = serializers.CharField(read_only=True)
    paid_on = serializers.DateField(read_only=True)
    reference = serializers.CharField(read_only=True)
    recorded_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_recorded_by(self, payment) -> str | None:
        return user_name(payment.recorded_by)


class PaymentInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY, help_text="More than zero; at most what is still owed (for a refund: paid)."
    )
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    paid_on = serializers.DateField(help_text="The day the money came in (not in the future).")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class InstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    due_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    paid_amount = serializers.DecimalField(**MONEY, read_only=True)
    outstanding = serializers.DecimalField(**MONEY, read_only=True)


class PlanSerializer(serializers.Serializer):
    installments = InstallmentSerializer(
        many=True, help_text="The whole plan; the amounts must add up to the order's total."
    )


class OrderMoneySerializer(serializers.Serializer):
    total = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)
    is_paid = serializers.BooleanField()
    installments = InstallmentSerializer(many=True)
    payments = PaymentSerializer(many=True)


def _money_of(order) -> dict:
    order.refresh_from_db()
    rows = list(selectors.payments_of(order))
    paid = payments.paid_total(order)
    return {
        "total": order.total,
        "paid": paid,
        "balance": order.total - paid,
        "is_paid": order.is_paid,
        "installments": selectors.installments_of(order),
        "payments": rows,
    }


class OrderMoneyActions:
    """Actions of the order viewset (mixed into `OrderViewSet`)."""

    @extend_schema(
        methods=["GET"],
        responses={200: OrderMoneySerializer},
        description="回款: the order's payments and refunds, its installment plan with what "
        "each installment still owes, and the balance.",
    )
    @extend_schema(
        methods=["POST"],
        request=PaymentInputSerializer,
        responses={201: OrderMoneySerializer},
        description="Record money received on a confirmed order: allocated to the "
        "installments oldest due first; the order is paid once the payments cover its total.",
    )
    @action(detail=True, methods=["get", "post"])
    def payments(self, request, pk=None):
        order = self.get_object()
        if request.method == "POST":
            serializer = PaymentInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            payments.payment_record(order=order, by=request.user, **serializer.validated_data)
            return Response(OrderMoneySerializer(_money_of(order)).data, status.HTTP_201_CREATED)
        return Response(OrderMoneySerializer(_money_of(order)).data)

    @extend_schema(
        request=PaymentInputSerializer,
        responses={201: OrderMoneySerializer},
        description="Money paid back to the customer (a negative payment), at most what was "
        "paid; installments give it back from the newest due first.",
    )
    @action(detail=True, methods=["post"])
    def refunds(self, request, pk=None):
        order = self.get_object()
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payments.payment_refund(order=order, by=request.user, **serializer.validated_data)
        return Response(OrderMoneySerializer(_money_of(order)).data, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: PlanSerializer},
        description="分期: the order's installment plan, oldest due first.",
    )
    @extend_schema(
        methods=["POST"],
        request=PlanSerializer,
        responses={200: PlanSerializer},
        description="Replace the plan of a confirmed order; the amounts must add up to its "
        "total (else 400 on `installments`). What was paid is allocated again.",
    )
    @action(detail=True, methods=["get", "post"])
    def installments(self, request, pk=None):
        order = self.get_object()
        if request.method == "POST":
            serializer = PlanSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            rows = [
                (row["due_on"], row["amount"]) for row in serializer.validated_data["installments"]
            ]
            payments.installment_plan_set(order=order, by=request.user, rows=rows)
        rows = selectors.installments_of(order)
        return Response(PlanSerializer({"installments": rows}).data)


# --- receivables --------------------------------------------------------------------------


class AgingQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=["agent", "team", "department"], required=False, default="agent"
    )


class AgingRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="The agent, team or department id.")
    name = serializers.CharField()
    not_due = serializers.DecimalField(**MONEY)
    d1_30 = serializers.DecimalField(**MONEY, help_text="1–30 days past due.")
    d31_60 = serializers.DecimalField(**MONEY)
    d61_90 = serializers.DecimalField(**MONEY)
    d90_plus = serializers.DecimalField(**MONEY, help_text="More than 90 days past due.")
    total = serializers.DecimalField(**MONEY)


class ReceivablesView(ScopedQuerysetMixin, generics.GenericAPIView):
    """应收账款账龄: what is owed on the caller's orders (agent), their teams' (manager),
    their subtree's (head) or everyone's (admin), per agent, team or department."""

    visibility = orders_access.visible_installments
    serializer_class = AgingRowSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=["orders"],
        parameters=[AgingQuerySerializer],
        responses={200: AgingRowSerializer(many=True)},
    )
    def get(self, request):
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.receivables_aging(request.user, by=query.validated_data["by"])
        return Response(AgingRowSerializer(rows, many=True).data)

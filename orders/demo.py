"""The orders of the demo center that `make run` seeds: a catalog, discount limits per role,
and a few dozen orders in every state, taken by demo agents from their won leads.

Orders go through `orders.services` like real ones (events, sales ledger, approvals, the
`order_moved` signal), so what the pages show is what the product would have recorded.
agent01 always has one delivered order, one waiting for a discount approval and one whose
delivery is overdue (its expected date set in the past after the fact: the service only
accepts future dates). Idempotent: the catalog and limits are upserted; orders are added
only when there are none.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm import demo_steps
from crm.models import Member, Role
from leads.models import Lead, LeadStatus

from .models import (
    DiscountLimit,
    Installment,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentTerms,
    Product,
)
from .services import order_moves, payments, taking

CATALOG = [
    # sku, name, kind, category, list price
    ("BB-100M", "企业宽带 100M 包年", Product.Kind.SERVICE, "企业宽带", "3600.00"),
    ("BB-1000M", "企业宽带 千兆专线 包年", Product.Kind.SERVICE, "企业宽带", "19800.00"),
    ("CLOUD-S", "云服务器 标准型 2核4G 年付", Product.Kind.SERVICE, "云服务器", "1580.00"),
    ("CLOUD-L", "云服务器 高性能 8核32G 年付", Product.Kind.SERVICE, "云服务器", "8600.00"),
    ("TAX-M", "财税代账 小规模纳税人 包年", Product.Kind.SERVICE, "财税代账", "2400.00"),
    ("TAX-G", "财税代账 一般纳税人 包年", Product.Kind.SERVICE, "财税代账", "4800.00"),
    ("TM-REG", "商标注册 单类", Product.Kind.SERVICE, "商标注册", "980.00"),
    ("ROUTER-E", "企业级路由器", Product.Kind.PRODUCT, "企业宽带", "1299.00"),
]
LIMITS = {
    Role.AGENT: Decimal("5"),
    Role.TEAM_MANAGER: Decimal("15"),
    Role.DEPARTMENT_HEAD: Decimal("30"),
    Role.ADMIN: Decimal("100"),
}
ORDERS = 40


def is_seeded() -> bool:
    return Order.objects.exists()


@transaction.atomic
def catalog_seed() -> int:
    for sku, name, kind, category, price in CATALOG:
        Product.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "kind": kind,
                "category": category,
                "list_price": Decimal(price),
            },
        )
    for role, percent in LIMITS.items():
        DiscountLimit.objects.get_or_create(role=role, defaults={"max_percent": percent})
    return len(CATALOG)


def _leads_for(agent) -> list[Lead]:
    """The agent's won leads (their follow-ups say how they were won)."""
    return list(Lead.objects.filter(owner=agent, status=LeadStatus.WON).order_by("pk")[:6])


def _lines(rng: random.Random, products: list[Product], *, discount_percent: int = 0):
    chosen = rng.sample(products, k=rng.choice([1, 1, 2]))
    lines = []
    for product in chosen:
        quantity = rng.choice([1, 1, 1, 2, 3])
        amount = product.list_price * quantity
        discount = (amount * discount_percent / 100).quantize(Decimal("0.01"))
        lines.append({"product": product, "quantity": quantity, "discount": discount})
    return lines


# Where each order ends up, by the moves it takes after being taken.
_PATHS = {
    "draft": [],
    "confirmed": ["confirm"],
    "processing": ["confirm", "process"],
    "shipped": ["confirm", "process", "ship"],
    "delivered": ["confirm", "process", "ship", "deliver"],
    "completed": ["confirm", "process", "ship", "deliver", "complete"],
    "cancelled": ["confirm", "cancel"],
    "refunded": ["confirm", "process", "ship", "deliver", "refund"],
}
_MIX = ["delivered", "completed", "shipped", "processing", "confirmed", "draft", "cancelled"]


def _walk(order: Order, agent, steps: list[str]) -> None:
    for step in steps:
        if step == "confirm":
            order_moves.order_confirm(order=order, by=agent, reason="客户电话确认")
        elif step == "process":
            order_moves.order_start_processing(order=order, by=agent, paid=True, reason="已审核")
        elif step == "ship":
            order_moves.order_ship(
                order=order, by=agent, tracking_number=f"SF{order.pk:010d}", reason="顺丰发货"
            )
        elif step == "deliver":
            order_moves.order_deliver(order=order, by=agent, reason="客户已签收")
        elif step == "complete":
            order_moves.order_complete(order=order, by=agent)
        elif step == "cancel":
            order_moves.order_cancel(order=order, by=agent, reason="客户预算调整, 暂不购买")
        elif step == "refund":
            order_moves.order_refund(order=order, by=agent, reason="客户退货: 与需求不符")


@transaction.atomic
def seed(*, seed: int = 2026) -> dict[str, int]:
    catalog_seed()
    if is_seeded():
        return {"products": len(CATALOG), "orders": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    # Sellers from every team, taken in turn (agent01 first), so each team has sales.
    by_team: dict[int, list] = {}
    for member in (
        Member.objects.filter(role=Role.AGENT, team__isnull=False, user__is_active=True)
        .select_related("user")
        .order_by("employee_no")
    ):
        by_team.setdefault(member.team_id, []).append(member.user)
    agents = [
        users[rank]
        for rank in range(max(map(len, by_team.values()), default=0))
        for users in by_team.values()
        if rank < len(users)
    ][:12]
    made = 0
    for index, agent in enumerate(agents):
        leads = _leads_for(agent)
        plans = (
            ["delivered", "pending", "overdue", "completed", "refunded"]
            if index == 0
            else [_MIX[(index + n) % len(_MIX)] for n in range(3)]
        )
        for plan, lead in zip(plans, leads, strict=False):
            if made >= ORDERS:
                break
            discount = 10 if plan == "pending" else rng.choice([0, 0, 2, 4])
            order = taking.order_create_from_lead(
                lead=lead,
                by=agent,
                lines=_lines(rng, products, discount_percent=discount),
                payment_terms=rng.choice([PaymentTerms.PREPAID, PaymentTerms.NET_30]),
                delivery_address=f"{lead.region or '上海'}市 示范路 {rng.randint(1, 999)} 号",
                expected_delivery_on=today + dt.timedelta(days=rng.randint(3, 14)),
                notes="演示订单",
            )
            made += 1
            if plan == "pending":
                continue
            if plan == "overdue":
                _walk(order, agent, _PATHS["processing"])
                Order.objects.filter(pk=order.pk).update(
                    expected_delivery_on=today - dt.timedelta(days=2)
                )
                continue
            _walk(order, agent, _PATHS[plan])
            if index > 0:
                _backdate(order, days=rng.randint(1, 27))
    return {"products": len(CATALOG), "orders": made}


def _backdate(order: Order, *, days: int) -> None:
    """Move an order's whole story `days` back, so the demo's sales spread over the month
    (the dashboards' daily charts) instead of all landing on the day it was seeded.
    agent01's orders stay today's: the guided demo walks through them. (The revisits
    scheduled on delivery follow in the after-sales demo step, which builds on orders.)"""
    from .models import Installment, OrderEvent, Payment, SalesEntry

    shift = dt.timedelta(days=days)
    moved = {
        name: F(name) - shift
        for name in (
            "created_at",
            "approved_at",
            "confirmed_at",
            "shipped_at",
            "delivered_at",
            "closed_at",
        )
    }
    Order.objects.filter(pk=order.pk).update(**moved)
    OrderEvent.objects.filter(order=order).update(at=F("at") - shift)
    SalesEntry.objects.filter(order=order).update(at=F("at") - shift)
    Payment.objects.filter(order=order).update(
        paid_on=F("paid_on") - shift, paid_at=F("paid_at") - shift
    )
    Installment.objects.filter(order=order).update(due_on=F("due_on") - shift)


def money_is_seeded() -> bool:
    return Installment.objects.filter(number__gt=1).exists()


@transaction.atomic
def money_seed() -> dict[str, int]:
    """Installment plans (分期) on a few confirmed orders, one installment paid, one long
    overdue and one still to come, so the receivables aging and the reminders have work;
    agent01's first confirmed order among them."""
    today = timezone.localdate()
    orders = list(
        Order.objects.filter(status=OrderStatus.CONFIRMED, total__gt=0)
        .select_related("agent")
        .order_by("agent__username", "pk")[:4]
    )
    for index, order in enumerate(orders):
        by = order.agent
        third = (order.total / 3).quantize(Decimal("0.01"))
        payments.installment_plan_set(
            order=order,
            by=by,
            rows=[
                (today - dt.timedelta(days=45 + 20 * index), third),
                (today - dt.timedelta(days=10), third),
                (today + dt.timedelta(days=20), order.total - 2 * third),
            ],
        )
        payments.payment_record(
            order=order,
            by=by,
            amount=third,
            method=PaymentMethod.WECHAT,
            paid_on=today - dt.timedelta(days=40),
            reference=f"WX{order.pk:08d}",
        )
        Order.objects.filter(pk=order.pk).update(payment_terms=PaymentTerms.INSTALLMENTS)
    return {"plans": len(orders)}


demo_steps.register(
    "orders",
    demo_steps.DemoStep(
        order=20,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo orders created: {summary}",
        present="Demo orders already present.",
        when_present=catalog_seed,
    ),
)

demo_steps.register(
    "orders.money",
    demo_steps.DemoStep(
        order=25,
        seed=money_seed,
        is_seeded=money_is_seeded,
        created="Demo installment plans and payments: {summary}",
        present="Demo installment plans already present.",
    ),
)

"""Read queries of the orders app, scoped through `crm.access`.

Lists read one page with a fixed number of queries, newest first, on the
(agent, -created_at, -id) and (team, -created_at, -id) indexes, and never count the whole
table: a page reads `size + 1` rows to know whether there is a next one (`page_of`).
The delivery-overdue flag is computed by the database (`delivery_overdue`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm import access
from orders import access as orders_access

from . import db
from .models import UNDELIVERED_STATUSES, ZERO, Approval, Order, OrderStatus
from .models.money import OWED

PAGE_SIZE = 50


def overdue_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(status__in=UNDELIVERED_STATUSES, expected_delivery_on__lt=today)


def with_overdue(queryset: QuerySet[Order], today: dt.date | None = None) -> QuerySet[Order]:
    """Annotate `delivery_overdue`: an expected delivery date passed and not delivered."""
    return queryset.annotate(
        delivery_overdue=Case(
            When(overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# What order lists (pages, the API list, the export) read: nothing else is loaded, so 50
# rows do not parse every date column of the order, its lead and its people.
LIST_FIELDS = (
    "id", "number", "status", "approval", "list_total", "discount_total", "total",
    "payment_terms", "is_paid", "expected_delivery_on", "created_at", "confirmed_at",
    "delivered_at", "lead", "agent", "team",
    "lead__id", "lead__name", "lead__phone",
    "agent__id", "agent__username", "agent__first_name", "agent__last_name",
    "team__id", "team__name",
)  # fmt: skip


def for_list(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """A scoped order queryset as every order list reads it."""
    return with_overdue(
        queryset.select_related("lead", "agent", "team")
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-id")
    )


def orders_filter(queryset: QuerySet[Order], filters: dict) -> QuerySet[Order]:
    """Narrow a scoped list: status, agent, team, approval, created between, overdue,
    order number. Filters only narrow; they cannot widen the scope."""
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("agent"):
        queryset = queryset.filter(agent=filters["agent"])
    if filters.get("team"):
        queryset = queryset.filter(team=filters["team"])
    if filters.get("approval"):
        queryset = queryset.filter(approval=filters["approval"])
    if filters.get("created_from"):
        start = dt.datetime.combine(filters["created_from"], dt.time.min)
        queryset = queryset.filter(created_at__gte=timezone.make_aware(start))
    if filters.get("created_to"):
        end = dt.datetime.combine(filters["created_to"] + dt.timedelta(days=1), dt.time.min)
        queryset = queryset.filter(created_at__lt=timezone.make_aware(end))
    if filters.get("overdue"):
        queryset = queryset.filter(overdue_q())
    if filters.get("q"):
        queryset = queryset.filter(number__istartswith=filters["q"].strip())
    return queryset


def my_orders(user, *, filters: dict | None = None) -> QuerySet[Order]:
    """The orders the user sold (an agent's, or a manager's own)."""
    rows = orders_access.visible_orders(user).filter(agent_id=access.scope_of(user).user_id)
    return for_list(orders_filter(rows, filters or {}))


def team_orders(user, *, filters: dict | None = None) -> QuerySet[Order]:
    """Every order in the user's scope (the team's for a manager, the subtree's for a head)."""
    return for_list(orders_filter(orders_access.visible_orders(user), filters or {}))


def approvals_waiting(user) -> QuerySet[Order]:
    """Drafts in scope waiting for a discount approval that someone else sold."""
    return for_list(
        orders_access.visible_orders(user)
        .filter(approval=Approval.PENDING, status=OrderStatus.DRAFT)
        .exclude(agent_id=access.scope_of(user).user_id)
    )


def order_for_page(user) -> QuerySet[Order]:
    """Orders the user may open, with the lead, people, lines and events a page shows."""
    return with_overdue(
        orders_access.visible_orders(user)
        .select_related("lead", "agent", "team", "approved_by", "created_by")
        .prefetch_related("lines__product", "events__by")
    )


def orders_of_lead(lead_pk: int) -> QuerySet[Order]:
    """A lead's orders (for its timeline: whoever opens the lead sees its history)."""
    return (
        Order.objects.filter(lead_id=lead_pk).select_related("agent").order_by("-created_at", "-id")
    )


@dataclass
class Page:
    """One page of a list read without counting: `size + 1` rows tell if there is more."""

    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def page_of(queryset: QuerySet, number, size: int = PAGE_SIZE, *, user=None) -> Page:
    try:
        number = max(1, min(int(number or 1), 10_000))
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * size
    if user is None:
        rows = list(queryset[offset : offset + size + 1])
    else:
        rows = newest_first(queryset, user, offset=offset, limit=size + 1)
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def newest_first(queryset: QuerySet[Order], user, *, offset: int, limit: int) -> list[Order]:
    """Rows `offset`..`offset + limit` of a scoped (and filtered) order list, newest first.

    A manager's or head's scope is `agent = me OR team IN (...)`: on PostgreSQL each branch
    is read along its own index and the branches merged (`orders.db`); agents (one branch),
    admins (no scope filter) and other databases read the plain way.
    """
    scope = access.scope_of(user)
    if scope.sees_all or not db.branches_apply(team_ids=scope.team_ids):
        return db.newest_orders_reference(queryset, offset=offset, limit=limit)
    return db.newest_orders_by_branches(
        queryset, team_ids=scope.team_ids, user_id=scope.user_id, offset=offset, limit=limit
    )


# --- money received and receivables (应收账款, 账龄) ---------------------------------------

#: The aging buckets: (key, label, days overdue from, to) — `None` open-ended.
AGING_BUCKETS = (
    ("not_due", gettext_lazy("Not yet due"), None, 0),
    ("d1_30", gettext_lazy("1–30 days overdue"), 1, 30),
    ("d31_60", gettext_lazy("31–60 days overdue"), 31, 60),
    ("d61_90", gettext_lazy("61–90 days overdue"), 61, 90),
    ("d90_plus", gettext_lazy("Over 90 days overdue"), 91, None),
)
AGING_GROUPS = {
    "agent": ("agent", "agent__username", "agent__first_name", "agent__last_name"),
    "team": ("team", "team__name"),
    "department": ("team__department", "team__department__name"),
}


def _bucket_q(today: dt.date, low: int | None, high: int | None) -> Q:
    """Installments `low`..`high` days overdue (due_on = today - days)."""
    q = Q()
    if low is not None:  # at least `low` days late: due on or before today - low
        q &= Q(due_on__lte=today - dt.timedelta(days=low))
    if high is not None:
        if high <= 0:
            q &= Q(due_on__gte=today)
        else:
            q &= Q(due_on__gte=today - dt.timedelta(days=high))
    return q


def open_installments(user) -> QuerySet:
    """What is still owed on sold orders the user sees (the partial index's rows)."""
    return orders_access.visible_installments(user).filter(OWED)


def receivables_aging(user, *, by: str = "agent", today: dt.date | None = None) -> list[dict]:
    """账龄: what is owed per agent, team or department of the orders in the user's scope
    (agent: their own; manager: their teams'; head: the subtree's; admin: all), in the
    buckets of `AGING_BUCKETS` by days past the due date. One grouped SQL statement.

    Each row: {"key": id, "name": …, <bucket>: Decimal, …, "total": Decimal}."""
    today = today or timezone.localdate()
    key, *names = AGING_GROUPS[by]
    owed = ExpressionWrapper(F("amount") - F("paid_amount"), output_field=DecimalField())
    sums = {
        bucket: Coalesce(Sum(owed, filter=_bucket_q(today, low, high)), Value(ZERO))
        for bucket, _label, low, high in AGING_BUCKETS
    }
    rows = (
        open_installments(user)
        .order_by()
        .values(key, *names)
        .annotate(**sums, total=Sum(owed))
        .order_by(names[0])
    )
    result = []
    for row in rows:
        name = row[names[0]] or ""
        if by == "agent":
            full = f"{row[names[1]]} {row[names[2]]}".strip()
            name = full or row[names[0]]
        result.append(
            {
                "key": row[key],
                "name": name,
                **{bucket: _cents(row[bucket]) for bucket, *_rest in AGING_BUCKETS},
                "total": _cents(row["total"]),
            }
        )
    return result


CENT = Decimal("0.01")


def _cents(value) -> Decimal:
    """A sum in cents: SQLite adds decimals as floats (415.680000000000)."""
    return Decimal(value).quantize(CENT)


def aging_totals(rows: list[dict]) -> dict:
    """The column sums of an aging table."""
    totals = {bucket: ZERO for bucket, *_rest in AGING_BUCKETS}
    totals["total"] = ZERO
    for row in rows:
        for name in totals:
            totals[name] += row[name]
    return totals


def payments_of(order: Order) -> QuerySet:
    return order.payments.select_related("recorded_by").order_by("paid_on", "id")


def installments_of(order: Order) -> list:
    today = timezone.localdate()
    rows = list(order.installments.order_by("due_on", "number"))
    for row in rows:
        row.is_overdue = row.paid_amount < row.amount and row.due_on < today
    return rows

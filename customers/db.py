"""Fast paths of the customers app, each next to the ORM reference it must agree with.

`tests/customers/test_tiers.py` runs both on the same PostgreSQL data and compares them;
`customers.services.tiers` chooses the fast path on PostgreSQL and the reference elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce

from orders.models import SOLD_STATUSES, Order

from .models import ZERO, Customer, Tier

# One statement: each customer's sold orders (through their leads) summed, the first active
# tier whose thresholds hold picked by a CASE written from the (few) tiers, and only the
# rows whose figures or tier changed written (a second run writes nothing).
_RECOMPUTE_SQL = """
WITH sold AS (
    SELECT l.customer_id AS id,
           max(coalesce(o.confirmed_at, o.created_at)) AS last_at,
           count(*) AS n,
           sum(o.total) AS money
    FROM orders_order o
    JOIN leads_lead l ON l.id = o.lead_id
    WHERE l.customer_id IS NOT NULL AND o.status = ANY(%(sold)s) {lead_filter}
    GROUP BY l.customer_id
), figures AS (
    SELECT c.id, s.last_at, coalesce(s.n, 0) AS n, coalesce(s.money, 0) AS money
    FROM customers_customer c
    LEFT JOIN sold s ON s.id = c.id
    {customer_filter}
), tiered AS (
    SELECT f.*, {tier_case} AS tier_id FROM figures f
)
UPDATE customers_customer c
SET last_order_at = t.last_at, order_count = t.n, money_total = t.money, tier_id = t.tier_id
FROM tiered t
WHERE c.id = t.id
  AND (c.last_order_at, c.order_count, c.money_total, c.tier_id)
      IS DISTINCT FROM (t.last_at, t.n, t.money, t.tier_id)
"""


def _tier_case(*, now: dt.datetime, params: dict) -> str:
    """`CASE WHEN <tier 1 holds> THEN 1 WHEN … END` over the active tiers by priority (a
    handful of rows, read once): no subquery per customer."""
    whens = []
    for index, tier in enumerate(Tier.objects.filter(is_active=True).order_by("priority", "id")):
        conditions = [f"f.n >= %(t{index}_orders)s", f"f.money >= %(t{index}_money)s"]
        params[f"t{index}_orders"] = tier.min_orders
        params[f"t{index}_money"] = tier.min_money
        if tier.within_days is not None:
            conditions.insert(0, f"f.last_at >= %(t{index}_since)s")
            params[f"t{index}_since"] = now - dt.timedelta(days=tier.within_days)
        whens.append(f"WHEN {' AND '.join(conditions)} THEN {int(tier.pk)}")
    return f"CASE {' '.join(whens)} END" if whens else "NULL::bigint"


def recompute_sql(*, now: dt.datetime, customer_ids: Iterable[int] | None = None) -> int:
    """The fast path (PostgreSQL): one set-based UPDATE; the number of rows changed."""
    params: dict = {"sold": list(SOLD_STATUSES)}
    lead_filter = customer_filter = ""
    if customer_ids is not None:
        params["ids"] = list(customer_ids)
        lead_filter = "AND l.customer_id = ANY(%(ids)s)"
        customer_filter = "WHERE c.id = ANY(%(ids)s)"
    tier_case = _tier_case(now=now, params=params)
    sql = _RECOMPUTE_SQL.format(
        lead_filter=lead_filter, customer_filter=customer_filter, tier_case=tier_case
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def tier_for(tiers: list[Tier], *, last_at, n: int, money: Decimal, now: dt.datetime):
    """The first active tier (by priority) whose three thresholds hold, or None."""
    for tier in tiers:
        if not tier.is_active:
            continue
        if tier.within_days is not None and (
            last_at is None or last_at < now - dt.timedelta(days=tier.within_days)
        ):
            continue
        if n >= tier.min_orders and money >= tier.min_money:
            return tier.pk
    return None


def recompute_reference(*, now: dt.datetime, customer_ids: Iterable[int] | None = None) -> int:
    """The reference (any database): the same figures and tiers through the ORM."""
    customers = Customer.objects.all()
    orders = Order.objects.filter(status__in=SOLD_STATUSES, lead__customer__isnull=False)
    if customer_ids is not None:
        ids = list(customer_ids)
        customers = customers.filter(pk__in=ids)
        orders = orders.filter(lead__customer_id__in=ids)
    sold = {
        row["lead__customer_id"]: row
        for row in orders.values("lead__customer_id").annotate(
            last_at=Max(Coalesce("confirmed_at", "created_at")),
            n=Count("pk"),
            money=Sum("total"),
        )
    }
    tiers = list(Tier.objects.order_by("priority", "id"))
    changed = []
    for customer in customers.only("pk", "last_order_at", "order_count", "money_total", "tier"):
        row = sold.get(customer.pk, {})
        last_at, n, money = row.get("last_at"), row.get("n", 0), row.get("money") or ZERO
        tier_id = tier_for(tiers, last_at=last_at, n=n, money=money, now=now)
        new = (last_at, n, money, tier_id)
        if (
            customer.last_order_at,
            customer.order_count,
            customer.money_total,
            customer.tier_id,
        ) != new:
            customer.last_order_at, customer.order_count, customer.money_total = new[:3]
            customer.tier_id = tier_id
            changed.append(customer)
    Customer.objects.bulk_update(
        changed, ["last_order_at", "order_count", "money_total", "tier"], batch_size=1000
    )
    return len(changed)


# --- backfill: a customer for every won lead that has none -----------------------------------

BACKFILL_BATCH = 20_000

_BACKFILL_SQL = (
    """
    INSERT INTO customers_customer
        (kind, name, company, owner_id, team_id, notes, origin_lead_id, order_count,
         money_total, created_at, updated_at)
    SELECT CASE WHEN l.company <> '' THEN 'company' ELSE 'person' END, l.name, l.company,
           l.owner_id, coalesce(m.team_id, l.team_id), '', l.id, 0, 0, %(now)s, %(now)s
    FROM leads_lead l
    LEFT JOIN crm_member m ON m.user_id = l.owner_id
    WHERE l.status = 'won' AND l.customer_id IS NULL AND l.id > %(after)s AND l.id <= %(upto)s
    ON CONFLICT DO NOTHING
    """,
    """
    UPDATE leads_lead l SET customer_id = c.id
    FROM customers_customer c
    WHERE c.origin_lead_id = l.id AND l.customer_id IS NULL
      AND l.id > %(after)s AND l.id <= %(upto)s
    """,
    """
    INSERT INTO customers_contact (customer_id, kind, value, label, created_at)
    SELECT c.id, x.kind, x.value, '', %(now)s
    FROM customers_customer c
    JOIN leads_lead l ON l.id = c.origin_lead_id
    CROSS JOIN LATERAL (VALUES ('phone', l.phone), ('email', lower(l.email)),
                               ('wechat', l.wechat)) AS x(kind, value)
    WHERE x.value <> '' AND l.id > %(after)s AND l.id <= %(upto)s
    ON CONFLICT DO NOTHING
    """,
)


def backfill_sql(*, now: dt.datetime, batch: int = BACKFILL_BATCH) -> int:
    """The fast path (PostgreSQL): won leads without a customer get one each, with the
    lead's phone, email and WeChat id as contacts, in batches of `batch` lead ids (three
    statements a batch). Idempotent (a customer per origin lead). Customers made."""
    made = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM leads_lead WHERE status = 'won' AND customer_id IS NULL"
        )
        low, high = cursor.fetchone()
        if low is None:
            return 0
        after = low - 1
        while after < high:
            params = {"now": now, "after": after, "upto": after + batch}
            cursor.execute(_BACKFILL_SQL[0], params)
            made += cursor.rowcount
            cursor.execute(_BACKFILL_SQL[1], params)
            cursor.execute(_BACKFILL_SQL[2], params)
            after += batch
    return made


def backfill_reference(*, now: dt.datetime) -> int:
    """The reference (any database): the same customers and contacts through the ORM."""
    from crm.models import Member
    from leads.models import Lead

    from .models import Contact, ContactKind, CustomerKind

    made = 0
    teams = dict(Member.objects.values_list("user_id", "team_id"))
    for lead in Lead.objects.filter(status="won", customer__isnull=True).order_by("pk"):
        customer, created = Customer.objects.get_or_create(
            origin_lead_id=lead.pk,
            defaults={
                "kind": CustomerKind.COMPANY if lead.company else CustomerKind.PERSON,
                "name": lead.name,
                "company": lead.company,
                "owner_id": lead.owner_id,
                "team_id": teams.get(lead.owner_id) or lead.team_id,
                "created_at": now,
            },
        )
        made += created
        Lead.objects.filter(pk=lead.pk).update(customer_id=customer.pk)
        for kind, value in (
            (ContactKind.PHONE, lead.phone),
            (ContactKind.EMAIL, lead.email.lower()),
            (ContactKind.WECHAT, lead.wechat),
        ):
            if value:
                Contact.objects.get_or_create(customer=customer, kind=kind, value=value)
    return made

"""Generator step "customers": one customer per won lead (the backfill's own set-based
SQL, `customers.db.backfill_sql`), with the lead's phone, email and WeChat id as contacts;
every 10th customer also holds the lead after its first one (a second lead, often of
another agent); the first lead owner's first customer holds 40 of that agent's leads with
the most follow-ups (the customer page's long history); then the tiers are computed.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from customers import db
from customers.models import Contact, Merge
from customers.services.tiers import tiers_recompute

from .config import Size

# Customers themselves are not truncated by the step (TRUNCATE … CASCADE on them would
# empty the leads, which point at them): the step clears them itself, first.
MODELS = (Contact, Merge)
BIG_CUSTOMER_LEADS = 40


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_lead SET customer_id = NULL WHERE customer_id IS NOT NULL")
        cursor.execute("DELETE FROM customers_contact")
        cursor.execute("DELETE FROM customers_merge")
        cursor.execute("DELETE FROM customers_customer")


def generate_customers(size: Size) -> None:
    _clear()
    now = timezone.now()
    db.backfill_sql(now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_lead l SET customer_id = c.id
            FROM customers_customer c
            WHERE mod(c.id, 10) = 0 AND l.id = c.origin_lead_id + 1
              AND l.customer_id IS NULL AND l.status <> 'won'
            """
        )
        cursor.execute(
            """
            WITH big AS (
                SELECT c.id, c.owner_id FROM customers_customer c
                WHERE c.owner_id IS NOT NULL ORDER BY c.id LIMIT 1
            )
            UPDATE leads_lead l SET customer_id = big.id
            FROM big
            WHERE l.id IN (
                SELECT x.id FROM leads_lead x, big b
                WHERE x.owner_id = b.owner_id AND x.customer_id IS NULL
                ORDER BY x.followup_count DESC, x.id
                LIMIT %s
            )
            """,
            [BIG_CUSTOMER_LEADS],
        )
    tiers_recompute(now=now)

"""Customers in the demo center: one per won lead (the orders and after-sales demos win
leads through the services, which makes them; leads won by a bulk path are backfilled
here), the three default tiers, a pair of duplicates sharing an email for the managers'
*Duplicate customers* page, and the tiers computed. Idempotent: runs every time and adds
only what is missing."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from crm import demo_steps

from . import db
from .models import Contact, ContactKind, Customer, Tier
from .services.tiers import tiers_recompute

DUPLICATE_EMAIL = "demo.duplicate@example.com"
DEFAULT_TIERS = (
    ("VIP", 10, 365, 3, Decimal("10000.00")),
    ("老客户", 20, 365, 2, Decimal("0.00")),
    ("新客户", 30, 180, 1, Decimal("0.00")),
)


@transaction.atomic
def seed() -> str:
    for name, priority, days, orders, money in DEFAULT_TIERS:
        Tier.objects.get_or_create(
            name=name,
            defaults={
                "priority": priority,
                "within_days": days,
                "min_orders": orders,
                "min_money": money,
            },
        )
    now = timezone.now()
    if connection.vendor == "postgresql":
        made = db.backfill_sql(now=now)
    else:
        made = db.backfill_reference(now=now)
    duplicates = 0
    if not Contact.objects.filter(kind=ContactKind.EMAIL, value=DUPLICATE_EMAIL).exists():
        # Two customers of one team that are the same buyer (found by the shared email).
        for team_id in (
            Customer.objects.filter(team__isnull=False)
            .order_by("team_id")
            .values_list("team_id", flat=True)
            .distinct()
        ):
            pair = list(Customer.objects.filter(team_id=team_id).order_by("pk")[:2])
            if len(pair) == 2:
                for customer in pair:
                    Contact.objects.create(
                        customer=customer, kind=ContactKind.EMAIL, value=DUPLICATE_EMAIL
                    )
                duplicates = 1
                break
    changed = tiers_recompute(now=now)
    return f"{made} customers backfilled, {duplicates} duplicate pair, {changed} tiers updated"


demo_steps.register(
    "customers",
    demo_steps.DemoStep(order=45, seed=seed, created="Demo customers: {summary}"),
)

"""pg_trgm for duplicate names where the database allows it, the first tiers, and a
customer for every lead won before customers existed (set-based, batched)."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone


def trigrams(apps, schema_editor):
    """CREATE EXTENSION needs rights a hosted database may refuse: then duplicates are
    found by normalized name equality (`customers.selectors.duplicates_for`)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT customers_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
                "USING gin ((lower(name || ' ' || company)) gin_trgm_ops)"
            )
        except Exception:  # noqa: BLE001 - no rights: the fallback serves
            cursor.execute("ROLLBACK TO SAVEPOINT customers_trgm")
        else:
            cursor.execute("RELEASE SAVEPOINT customers_trgm")


def no_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_name_trgm")


def tiers(apps, schema_editor):
    Tier = apps.get_model("customers", "Tier")
    for name, priority, days, orders, money in (
        ("VIP", 10, 365, 3, Decimal("10000.00")),
        ("老客户", 20, 365, 2, Decimal("0.00")),
        ("新客户", 30, 180, 1, Decimal("0.00")),
    ):
        Tier.objects.get_or_create(
            name=name,
            defaults={
                "priority": priority,
                "within_days": days,
                "min_orders": orders,
                "min_money": money,
            },
        )


def backfill(apps, schema_editor):
    from customers import db

    if schema_editor.connection.vendor == "postgresql":
        db.backfill_sql(now=timezone.now())


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("customers", "0001_initial"),
        ("leads", "0013_lead_customer"),
        ("orders", "0003_sales_agent_at_cover"),
    ]

    operations = [
        migrations.RunPython(trigrams, no_trigrams),
        migrations.RunPython(tiers, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

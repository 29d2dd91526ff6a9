"""The built-in "Cash collected" indicator (回款), beside the sales amount.

Weight 0 at every level: the built-in weights keep adding up to 100 %; admins give it a
weight (and take it from another indicator) if their center scores collection."""

from decimal import Decimal

from django.db import migrations

LEVELS = ("agent", "team", "department")


def create(apps, schema_editor):
    Indicator = apps.get_model("performance", "Indicator")
    KpiWeight = apps.get_model("performance", "KpiWeight")
    indicator, _ = Indicator.objects.get_or_create(
        code="cash_collected",
        defaults={
            "name": "Cash collected",
            "family": "sales",
            "source": "cash_collected",
            "unit": "money",
            "higher_is_better": True,
            "position": 15,
        },
    )
    for level in LEVELS:
        KpiWeight.objects.get_or_create(
            indicator=indicator, level=level, defaults={"weight": Decimal("0")}
        )


def remove(apps, schema_editor):
    apps.get_model("performance", "Indicator").objects.filter(code="cash_collected").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0004_cash_collected_and_channel_days"),
        ("orders", "0004_payments_and_installments"),
    ]

    operations = [migrations.RunPython(create, remove)]

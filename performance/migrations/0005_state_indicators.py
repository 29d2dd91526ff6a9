"""The efficiency indicators read from agent states (the calling floor): occupancy, pause
minutes, calls per productive hour and average handle time. Weight 0 at every level, so
the built-in totals (sales 40, satisfaction 20, efficiency 25, quality 15) do not move
until an administrator weighs them."""

from decimal import Decimal

from django.db import migrations

# code/source, name, family, unit, higher is better
DEFAULTS = [
    ("occupancy", "Occupancy", "efficiency", "percent", True),
    ("pause_minutes", "Pause minutes", "efficiency", "minutes", False),
    ("calls_per_hour", "Calls per productive hour", "efficiency", "count", True),
    ("handle_time", "Average handle time", "efficiency", "minutes", False),
]
LEVELS = ("agent", "team", "department")


def create(apps, schema_editor):
    Indicator = apps.get_model("performance", "Indicator")
    KpiWeight = apps.get_model("performance", "KpiWeight")
    last = Indicator.objects.order_by("-position").values_list("position", flat=True).first()
    for offset, (code, name, family, unit, higher) in enumerate(DEFAULTS, start=1):
        indicator, _ = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "family": family,
                "source": code,
                "unit": unit,
                "higher_is_better": higher,
                "position": (last or 0) + offset * 10,
            },
        )
        for level in LEVELS:
            KpiWeight.objects.get_or_create(
                indicator=indicator, level=level, defaults={"weight": Decimal("0")}
            )


def remove(apps, schema_editor):
    Indicator = apps.get_model("performance", "Indicator")
    Indicator.objects.filter(code__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0004_state_indicator_sources"),
        ("calling", "0003_default_pause_codes"),
    ]

    operations = [migrations.RunPython(create, remove)]

"""The built-in indicators, one per `Source`, and their weights per level (100 % each).

Names are data (admins rename them); families and weights follow the issue's four
families: sales 40, customer satisfaction 20, work efficiency 25, service quality 15.
"""

from decimal import Decimal

from django.db import migrations

# code/source, name, family, unit, higher is better, weight (%) at every level
DEFAULTS = [
    ("sales_amount", "Sales amount", "sales", "money", True, "20"),
    ("orders", "Orders", "sales", "count", True, "10"),
    ("conversion", "Conversion rate", "sales", "percent", True, "10"),
    ("revisit_score", "Revisit satisfaction", "satisfaction", "score", True, "12"),
    ("complaints", "Complaints", "satisfaction", "count", False, "8"),
    ("calls", "Calls", "efficiency", "count", True, "5"),
    ("talk_time", "Talk time", "efficiency", "minutes", True, "5"),
    ("followups", "Follow-ups", "efficiency", "count", True, "5"),
    ("ontime_followup", "On-time follow-up rate", "efficiency", "percent", True, "5"),
    ("contacted_24h", "Contacted within 24 h", "efficiency", "percent", True, "5"),
    ("quality_professionalism", "Quality: professionalism", "quality", "score", True, "3"),
    ("quality_communication", "Quality: communication", "quality", "score", True, "3"),
    ("quality_problem_solving", "Quality: problem solving", "quality", "score", True, "3"),
    ("quality_overall", "Quality: overall", "quality", "score", True, "6"),
]
LEVELS = ("agent", "team", "department")


def create(apps, schema_editor):
    Indicator = apps.get_model("performance", "Indicator")
    KpiWeight = apps.get_model("performance", "KpiWeight")
    for position, (code, name, family, unit, higher, weight) in enumerate(DEFAULTS, start=1):
        indicator, _ = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "family": family,
                "source": code,
                "unit": unit,
                "higher_is_better": higher,
                "position": position * 10,
            },
        )
        for level in LEVELS:
            KpiWeight.objects.get_or_create(
                indicator=indicator, level=level, defaults={"weight": Decimal(weight)}
            )


def remove(apps, schema_editor):
    Indicator = apps.get_model("performance", "Indicator")
    Indicator.objects.filter(code__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]

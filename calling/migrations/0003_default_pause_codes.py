"""The pause codes a center starts with, and the floor policy row.

Names are data (admins rename them); while a code keeps its built-in name, pages show it
translated (`calling.models.PauseCode.label`)."""

from django.db import migrations

# code, name, maximum minutes
DEFAULTS = [
    ("lunch", "Lunch", 60),
    ("training", "Training", 120),
    ("meeting", "Meeting", 60),
    ("restroom", "Restroom", 10),
    ("break", "Break", 15),
]


def create(apps, schema_editor):
    PauseCode = apps.get_model("calling", "PauseCode")
    FloorPolicy = apps.get_model("calling", "FloorPolicy")
    for position, (code, name, minutes) in enumerate(DEFAULTS, start=1):
        PauseCode.objects.get_or_create(
            code=code,
            defaults={"name": name, "max_minutes": minutes, "sort_order": position * 10},
        )
    FloorPolicy.objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    PauseCode = apps.get_model("calling", "PauseCode")
    PauseCode.objects.filter(code__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("calling", "0002_floor_policy_presence")]

    operations = [migrations.RunPython(create, remove)]

"""What a new center starts with: revisits on day 3 and day 30 after delivery, and an SLA
per ticket priority. Copied here (not imported from the services) so the migration keeps
doing what it did; it only fills in what is missing, so an admin's edits are kept."""

from django.db import migrations

DEFAULT_PLANS = (("第3天回访", 3), ("第30天回访", 30))
DEFAULT_SLA_HOURS = {"urgent": 4, "high": 24, "normal": 72, "low": 168}


def install(apps, schema_editor):
    RevisitPlan = apps.get_model("aftersales", "RevisitPlan")
    TicketSLA = apps.get_model("aftersales", "TicketSLA")
    for name, days in DEFAULT_PLANS:
        RevisitPlan.objects.get_or_create(name=name, defaults={"days_after_delivery": days})
    for priority, hours in DEFAULT_SLA_HOURS.items():
        TicketSLA.objects.get_or_create(
            priority=priority, defaults={"resolve_within_hours": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

# Conversion per agent over a span (performance metrics, the dashboards' funnel): the leads
# assigned to an owner in the span and how many of them are won, from the index alone.
# Built CONCURRENTLY on PostgreSQL (crm.online_indexes).

from django.db import migrations, models

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0009_move_do_not_call_to_risk"),
    ]

    operations = [
        AddIndexOnline(
            model_name="lead",
            index=models.Index(
                fields=["owner", "assigned_at"],
                include=("status",),
                name="lead_owner_assigned_cover",
            ),
        ),
    ]

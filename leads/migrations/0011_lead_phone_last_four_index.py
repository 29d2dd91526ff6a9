# Masked numbers are searched by what the mask shows (risk.access.phone_search): the last
# four digits are one equality probe of this expression index instead of a scan.
# Built CONCURRENTLY on PostgreSQL (crm.online_indexes).

from django.db import migrations, models
from django.db.models.functions import Right

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0010_lead_owner_assigned_cover"),
    ]

    operations = [
        AddIndexOnline(
            model_name="lead",
            index=models.Index(Right("phone", 4), name="lead_phone_last_four"),
        ),
    ]

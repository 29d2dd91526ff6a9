# A team's overdue follow-ups (performance's team dashboard) are counted from the open
# leads with a follow-up time of its owners: entries of one owner sit in table order, so
# the index-only read checks one visibility-map page after another instead of hopping
# between them per lead. Built CONCURRENTLY on PostgreSQL (crm.online_indexes).

from django.db import migrations, models

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0017_call_started_cover"),
    ]

    operations = [
        AddIndexOnline(
            model_name="lead",
            index=models.Index(
                condition=models.Q(
                    ("next_followup_at__isnull", False),
                    ("status__in", ("new", "contacted", "interested")),
                ),
                fields=["owner"],
                include=("next_followup_at",),
                name="lead_owner_open_due",
            ),
        ),
    ]

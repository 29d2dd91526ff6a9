# Today's assignments per agent for a whole center, index-only over the day's rows (the team
# page's "today" column, capacity): not an index probe per agent. Built CONCURRENTLY on
# PostgreSQL (crm.online_indexes).

from django.conf import settings
from django.db import migrations, models

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0002_replica_policy"),
        ("leads", "0016_merge_disposition_rule_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name="assignment",
            index=models.Index(fields=["at"], include=("to_user", "kind"), name="assignment_day"),
        ),
    ]

# Everyone's calls newest first, with their agent, from the index alone: a drill-down of a
# division's or the center's calls reads the newest calls until a page is full instead of a
# page per membership (performance.db.scorecards). Built CONCURRENTLY on PostgreSQL
# (crm.online_indexes).

from django.conf import settings
from django.db import migrations, models

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0016_merge_disposition_rule_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name="call",
            index=models.Index(
                fields=["started_at", "id"], include=("agent",), name="call_started_cover"
            ),
        ),
    ]

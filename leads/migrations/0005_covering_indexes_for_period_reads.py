# The (agent, time) indexes of follow-ups, calls and assignments become covering indexes
# (PostgreSQL INCLUDE): a team's records of a period are read from the index alone. The new
# ones are built before the old ones go, both CONCURRENTLY on PostgreSQL (crm.online_indexes).

from django.conf import settings
from django.db import migrations, models

from crm.online_indexes import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0001_initial"),
        ("leads", "0004_calling_windows_and_attempt_caps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name="assignment",
            index=models.Index(
                fields=["to_user", "at"], include=("lead",), name="assignment_to_user_cover"
            ),
        ),
        AddIndexOnline(
            model_name="call",
            index=models.Index(
                fields=["agent", "started_at"],
                include=("lead", "duration_seconds"),
                name="call_agent_cover",
            ),
        ),
        AddIndexOnline(
            model_name="followup",
            index=models.Index(
                fields=["agent", "created_at"],
                include=("lead", "disposition"),
                name="followup_agent_cover",
            ),
        ),
        RemoveIndexOnline(model_name="assignment", name="assignment_to_user_at"),
        RemoveIndexOnline(model_name="call", name="call_agent_at"),
        RemoveIndexOnline(model_name="followup", name="followup_agent_at"),
    ]

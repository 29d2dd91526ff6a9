# The public pool's page and count read indexes that hold only the pool (unowned, open
# leads): one in a team's page order, one in the page order across teams, for an agent's
# pool that mixes the center's leads (no team) with their team's. Built CONCURRENTLY on
# PostgreSQL before the old index goes (crm.online_indexes).
#
# PostgreSQL also gets multi-column statistics on (owner, team): unowned leads with no team
# are a large share of the pool but a small one of the table, and without them the planner
# guesses too few such rows and sorts the whole pool instead of reading the index in order.

from django.db import migrations, models

from crm.online_indexes import AddIndexOnline, RemoveIndexOnline

OPEN_STATUSES = ["new", "contacted", "interested"]


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS lead_owner_team (mcv) ON owner_id, team_id"
            " FROM leads_lead"
        )
        schema_editor.execute("ANALYZE leads_lead")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS lead_owner_team")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0005_covering_indexes_for_period_reads"),
    ]

    operations = [
        AddIndexOnline(
            model_name="lead",
            index=models.Index(
                fields=["team", "grade", "-created_at", "-id"],
                name="lead_pool_team",
                condition=models.Q(owner__isnull=True, status__in=OPEN_STATUSES),
            ),
        ),
        AddIndexOnline(
            model_name="lead",
            index=models.Index(
                fields=["grade", "-created_at", "-id", "team"],
                name="lead_pool_order",
                condition=models.Q(owner__isnull=True, status__in=OPEN_STATUSES),
            ),
        ),
        RemoveIndexOnline(model_name="lead", name="lead_pool"),
        migrations.RunPython(create_statistics, drop_statistics, elidable=False),
    ]

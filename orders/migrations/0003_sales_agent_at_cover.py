# Sales and net orders per agent over a span of time read `SalesEntry.at` (performance
# metrics, the dashboards' today and to-date figures): a covering index answers them
# without reading the table. Built CONCURRENTLY on PostgreSQL (crm.online_indexes).

from django.db import migrations, models

from crm.online_indexes import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0002_order_recent_index"),
    ]

    operations = [
        AddIndexOnline(
            model_name="salesentry",
            index=models.Index(
                fields=["agent", "at"], include=("amount", "kind"), name="sales_agent_at_cover"
            ),
        ),
    ]

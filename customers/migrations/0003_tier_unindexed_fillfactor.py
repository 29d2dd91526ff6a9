"""The nightly tier recompute rewrites rows in place: no index on the tier, and room left
on each page (fillfactor 80) for the new row versions (PostgreSQL)."""

import django.db.models.deletion
from django.db import migrations, models


def fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE customers_customer SET (fillfactor = 80)")


def fillfactor_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE customers_customer RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0002_trigrams_tiers_backfill'),
    ]

    operations = [
        migrations.AlterField(
            model_name='customer',
            name='tier',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='customers', to='customers.tier', verbose_name='tier'),
        ),
        migrations.RunPython(fillfactor, fillfactor_default),
    ]

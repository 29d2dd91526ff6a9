# Autovacuum that keeps up with a call center's day (PostgreSQL only; storage parameters).
#
# Leads are updated all day (every follow-up, claim, reassign). PostgreSQL's default waits
# for 20% of a table to be dead rows before vacuuming it, and until then the visibility map
# lags, so counts and covering-index reads go back to the table: the public pool's count
# went from 1 ms to 14 ms after one load run. 2% keeps it current.
#
# Follow-ups, calls and assignments are append-only: vacuuming after 2% new rows (not 20%)
# marks their pages all-visible, so the scorecards' covering `(agent, time) INCLUDE (...)`
# indexes are read without visiting the table.

from django.db import migrations

HOT = {"leads_lead": ("autovacuum_vacuum_scale_factor", "autovacuum_analyze_scale_factor")}
APPENDED = ("leads_followup", "leads_call", "leads_assignment")


def tune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, parameters in HOT.items():
        settings = ", ".join(f"{name} = 0.02" for name in parameters)
        schema_editor.execute(f"ALTER TABLE {table} SET ({settings})")
    for table in APPENDED:
        schema_editor.execute(
            f"ALTER TABLE {table} SET (autovacuum_vacuum_insert_scale_factor = 0.02)"
        )


def untune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, parameters in HOT.items():
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(parameters)})")
    for table in APPENDED:
        schema_editor.execute(f"ALTER TABLE {table} RESET (autovacuum_vacuum_insert_scale_factor)")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_pool_indexes"),
    ]

    operations = [migrations.RunPython(tune, untune, elidable=False)]

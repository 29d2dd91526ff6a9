# The do-not-call list is filed under risk now (`risk.DoNotCall`). Only Django's idea of
# which app owns the model changes: the table stays `leads_donotcall`, with its rows.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0008_lead_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DoNotCall")],
            database_operations=[],
        ),
    ]

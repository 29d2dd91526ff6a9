# The do-not-call list, moved here from leads: the same table (`leads_donotcall`) and
# rows, now owned by risk. State only; see leads/migrations/0009_move_do_not_call_to_risk.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("leads", "0009_move_do_not_call_to_risk"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DoNotCall",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "phone",
                            models.CharField(max_length=20, unique=True, verbose_name="phone"),
                        ),
                        ("reason", models.CharField(max_length=200, verbose_name="reason")),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("admin", "Added by an administrator"),
                                    ("import", "Imported list"),
                                    ("customer", "Customer asked"),
                                    ("regulator", "Regulator list"),
                                ],
                                default="admin",
                                max_length=20,
                                verbose_name="source",
                            ),
                        ),
                        (
                            "added_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="added at"
                            ),
                        ),
                        (
                            "added_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "do-not-call number",
                        "verbose_name_plural": "do-not-call list",
                        "ordering": ["-added_at"],
                        "db_table": "leads_donotcall",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

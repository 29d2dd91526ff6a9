# The data basis at capture (PIPL): admin-kept consent notices, and on every capture record
# (and import job) the lawful basis, the notice shown and when consent was given. Existing
# captures keep empty values: what they were shown was not recorded.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_lead_phone_last_four_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("consent", "consent of the person"),
                    ("contract", "needed for a contract with the person"),
                    ("public", "information the person made public"),
                ],
                max_length=20,
                verbose_name="lawful basis",
            ),
        ),
        migrations.AddField(
            model_name="leadsource",
            name="basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("consent", "consent of the person"),
                    ("contract", "needed for a contract with the person"),
                    ("public", "information the person made public"),
                ],
                max_length=20,
                verbose_name="lawful basis",
            ),
        ),
        migrations.AddField(
            model_name="leadsource",
            name="consented_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the person agreed or was shown the notice, if the sender says so.",
                null=True,
                verbose_name="consent given at",
            ),
        ),
        migrations.CreateModel(
            name="ConsentNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(max_length=40, unique=True, verbose_name="version")),
                (
                    "basis",
                    models.CharField(
                        choices=[
                            ("consent", "consent of the person"),
                            ("contract", "needed for a contract with the person"),
                            ("public", "information the person made public"),
                        ],
                        default="consent",
                        max_length=20,
                        verbose_name="lawful basis",
                    ),
                ),
                ("text", models.TextField(verbose_name="notice or consent text")),
                (
                    "channel",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("manual", "Manual entry"),
                            ("import", "File import"),
                            ("web_form", "Web form"),
                            ("advertising", "Advertising"),
                            ("social", "Social media"),
                            ("referral", "Referral"),
                            ("market_list", "Market research list"),
                            ("inbound_call", "Inbound call"),
                        ],
                        help_text="Empty: the default for every channel without a notice of its own.",
                        max_length=20,
                        verbose_name="channel",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="The newest active notice of a channel is recorded on its captures.",
                        verbose_name="applied by default",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
            ],
            options={
                "verbose_name": "consent notice",
                "verbose_name_plural": "consent notices",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("basis__in", ["consent", "contract", "public"])),
                        name="consentnotice_basis_known",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="importjob",
            name="notice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="leads.consentnotice",
                verbose_name="notice",
            ),
        ),
        migrations.AddField(
            model_name="leadsource",
            name="notice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sources",
                to="leads.consentnotice",
                verbose_name="notice",
            ),
        ),
    ]

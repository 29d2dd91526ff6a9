"""Installments carry their order's agent, team and reversal, so the receivables aging
reads one partial index (see `orders.models.money.Installment`). Filled from the orders in
one UPDATE each; an order's agent and team never change after it is taken."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q, Subquery


def copy_from_orders(apps, schema_editor):
    Installment = apps.get_model("orders", "Installment")
    Order = apps.get_model("orders", "Order")
    order = Order.objects.filter(pk=OuterRef("order_id"))
    Installment.objects.update(
        agent_id=Subquery(order.values("agent_id")[:1]),
        team_id=Subquery(order.values("team_id")[:1]),
        order_reversed=Exists(order.filter(status__in=("cancelled", "refunded"))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("orders", "0004_payments_and_installments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="installment",
            name="agent",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="installment",
            name="team",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="crm.team",
            ),
        ),
        migrations.AddField(
            model_name="installment",
            name="order_reversed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(copy_from_orders, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="installment",
            name="agent",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="installment",
            index=models.Index(
                condition=Q(("order_reversed", False), ("paid_amount__lt", F("amount"))),
                fields=["team", "agent", "due_on"],
                include=("amount", "paid_amount"),
                name="installment_owed_team",
            ),
        ),
        migrations.AddIndex(
            model_name="installment",
            index=models.Index(
                condition=Q(("order_reversed", False), ("paid_amount__lt", F("amount"))),
                fields=["agent", "due_on"],
                include=("team", "amount", "paid_amount"),
                name="installment_owed_agent",
            ),
        ),
    ]

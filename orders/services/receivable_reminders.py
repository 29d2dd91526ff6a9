"""Overdue installments: the order's agent hears of each once, and its team's manager once
it is `RECEIVABLES_ESCALATION_DAYS` late (default 30). Run by beat (`orders.tasks`).

Idempotent twice over: the notification key names the installment ((user, key) is
unique, written with ON CONFLICT DO NOTHING) and `reminded_at` / `escalated_at` mark the
rows done, so a retried or doubled sweep sends nothing twice and the next sweep reads only
the rows that became late since (the partial index of open installments by due date).
Batches of `BATCH` rows keep a first sweep over a large backlog bounded in memory.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Notification

from ..models import Installment
from ..models.money import OWED

BATCH = 1000


def escalation_days() -> int:
    return int(getattr(settings, "RECEIVABLES_ESCALATION_DAYS", 30))


def _open_late(today: dt.date):
    return Installment.objects.filter(OWED, due_on__lt=today)


def _sweep(rows, *, marker: str, recipient: str, key: str, text, now) -> int:
    sent = 0
    detail = reverse("orders:detail", args=[0])[:-2]
    while True:
        with transaction.atomic():
            batch = list(
                rows.filter(**{f"{marker}__isnull": True})
                .select_for_update(skip_locked=True, of=("self",))
                .values(
                    "pk",
                    "number",
                    "due_on",
                    "amount",
                    "paid_amount",
                    "order_id",
                    "order__number",
                    recipient,
                )[:BATCH]
            )
            if not batch:
                return sent
            notes = [
                Notification(
                    user_id=row[recipient],
                    kind="receivable",
                    key=f"{key}:{row['pk']}",
                    text=text(row)[:300],
                    url=f"{detail}{row['order_id']}/",
                )
                for row in batch
                if row[recipient] is not None
            ]
            Notification.objects.bulk_create(notes, ignore_conflicts=True)
            Installment.objects.filter(pk__in=[row["pk"] for row in batch]).update(**{marker: now})
            sent += len(notes)


def receivable_reminders_sweep(*, now: dt.datetime | None = None) -> dict:
    """Overdue installments to their order's agent (once), and N days late to the team's
    manager (once). Returns how many notifications each step wrote (attempted)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    late = _open_late(today)
    with translation.override(settings.LANGUAGE_CODE):

        def to_agent(row) -> str:
            return _(
                "Installment %(n)s of order %(order)s was due on %(due)s: %(owed)s is still owed."
            ) % {
                "n": row["number"],
                "order": row["order__number"],
                "due": row["due_on"].isoformat(),
                "owed": row["amount"] - row["paid_amount"],
            }

        def to_manager(row) -> str:
            return _(
                "Order %(order)s: installment %(n)s is %(days)s days overdue (%(owed)s owed)."
            ) % {
                "n": row["number"],
                "order": row["order__number"],
                "days": (today - row["due_on"]).days,
                "owed": row["amount"] - row["paid_amount"],
            }

        agents = _sweep(
            late,
            marker="reminded_at",
            recipient="order__agent_id",
            key="installment-overdue",
            text=to_agent,
            now=now,
        )
        managers = _sweep(
            late.filter(due_on__lte=today - dt.timedelta(days=escalation_days())),
            marker="escalated_at",
            recipient="order__team__manager_id",
            key="installment-escalated",
            text=to_manager,
            now=now,
        )
    return {"agents": agents, "managers": managers}

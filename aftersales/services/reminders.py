"""The reminder sweep: due revisits and tickets into the assignees' notifications, overdue
ones to the managers. Run every few minutes by beat (`aftersales.tasks`).

It must stay fast with hundreds of thousands of revisits, so it is set-based: for each kind,
one `INSERT … SELECT … ON CONFLICT DO NOTHING` writes the notifications straight from the
query of due rows (`aftersales.db`, PostgreSQL; elsewhere its ORM reference), and one
`UPDATE` sets `reminded_at` on the same rows. The notification key names the
row ((user, key) is unique), so two sweeps at once, or a sweep retried after a crash
between the two statements, send nothing twice; `reminded_at` keeps the next sweep's query
to the rows that became due since (a partial index on the rows still to remind).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import CharField, Count, DateTimeField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Notification

from .. import db
from ..models import ACTIVE_TICKET_STATUSES, Revisit, RevisitStatus, ServiceTicket
from . import tickets

# Due revisits older than this are not notified any more (they are red on the lists, and
# their team's manager hears about them): it bounds the first sweep over a large backlog
# to a day's window of it (figures in README, After-sales: Reminders).
REVISIT_LOOKBACK = dt.timedelta(days=1)
# A scheduled revisit is overdue (the manager is told) a day after its due time.
REVISIT_GRACE = dt.timedelta(days=1)
# Tickets are announced to their assignee this long before their due time.
TICKET_WARNING = dt.timedelta(hours=2)


def _text(*parts) -> Left:
    return Left(Concat(*parts, output_field=CharField()), 300)


def _insert_notifications(rows: QuerySet) -> int:
    """Write the notifications `rows` describe (annotated with `db.NOTIFICATION_COLUMNS`):
    set-based on PostgreSQL, through the ORM reference elsewhere."""
    if connection.vendor == "postgresql":
        return db.notifications_insert_select(rows)
    return db.notifications_insert_reference(rows)


def revisits_to_remind(*, now: dt.datetime) -> QuerySet[Revisit]:
    return Revisit.objects.filter(
        status=RevisitStatus.SCHEDULED,
        reminded_at__isnull=True,
        assignee__isnull=False,
        due_at__lte=now,
        due_at__gte=now - REVISIT_LOOKBACK,
    )


def revisit_notifications(*, now: dt.datetime) -> QuerySet[Revisit]:
    """The due revisits annotated with the notification each one sends."""
    return revisits_to_remind(now=now).annotate(
        n_user=F("assignee_id"),
        n_kind=Value("revisit_due", output_field=CharField()),
        n_key=Concat(Value("revisit-due:"), Cast("pk", CharField()), output_field=CharField()),
        n_text=_text(
            Value(_("Revisit due") + ": "),
            F("lead__name"),
            Value(" · " + _("order") + " "),
            F("order__number"),
        ),
        n_url=Concat(
            Value(reverse("aftersales:revisit_detail", args=[0])[:-2]),
            Cast("pk", CharField()),
            Value("/"),
            output_field=CharField(),
        ),
        n_created=Value(now, output_field=DateTimeField()),
    )


def remind_due_revisits(*, now: dt.datetime | None = None) -> int:
    """Each due revisit once into its assignee's notifications. Returns how many were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        sent = _insert_notifications(revisit_notifications(now=now))
        revisits_to_remind(now=now).update(reminded_at=now)
    return sent


def tickets_to_remind(*, now: dt.datetime) -> QuerySet[ServiceTicket]:
    return ServiceTicket.objects.filter(
        status__in=ACTIVE_TICKET_STATUSES,
        reminded_at__isnull=True,
        assignee__isnull=False,
        due_at__lte=now + TICKET_WARNING,
    )


def ticket_notifications(*, now: dt.datetime) -> QuerySet[ServiceTicket]:
    """The tickets coming due annotated with the notification each one sends."""
    return tickets_to_remind(now=now).annotate(
        n_user=F("assignee_id"),
        n_kind=Value("ticket_due", output_field=CharField()),
        n_key=Concat(
            Value("ticket-due:"),
            Cast("pk", CharField()),
            Value(":"),
            Cast("due_at", CharField()),
            output_field=CharField(),
        ),
        n_text=_text(
            Value(_("Service ticket due") + ": #"),
            Cast("pk", CharField()),
            Value(" "),
            F("subject"),
        ),
        n_url=Concat(
            Value(reverse("aftersales:ticket_detail", args=[0])[:-2]),
            Cast("pk", CharField()),
            Value("/"),
            output_field=CharField(),
        ),
        n_created=Value(now, output_field=DateTimeField()),
    )


def remind_due_tickets(*, now: dt.datetime | None = None) -> int:
    """Each active ticket coming due (or overdue) once into its assignee's notifications."""
    now = now or timezone.now()
    with transaction.atomic():
        sent = _insert_notifications(ticket_notifications(now=now))
        tickets_to_remind(now=now).update(reminded_at=now)
    return sent


def tell_managers_of_overdue_revisits(*, now: dt.datetime | None = None) -> int:
    """Once a day, each team manager hears how many of their team's revisits are overdue."""
    now = now or timezone.now()
    counts = (
        Revisit.objects.filter(status=RevisitStatus.SCHEDULED, due_at__lt=now - REVISIT_GRACE)
        .filter(order__team__manager__isnull=False)
        .values("order__team_id", "order__team__manager_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    day = timezone.localdate(now)
    url = reverse("aftersales:revisit_list") + "?view=team&overdue=1"
    wanted = [
        Notification(
            user_id=row["order__team__manager_id"],
            key=f"revisits-overdue:{row['order__team_id']}:{day:%Y%m%d}",
            kind="revisits_overdue",
            text=(_("%(n)s revisits of your team are overdue.") % {"n": row["n"]})[:300],
            url=url,
            created_at=now,
        )
        for row in counts
    ]
    if not wanted:
        return 0
    sent = set(
        Notification.objects.filter(key__in=[n.key for n in wanted]).values_list("user_id", "key")
    )
    fresh = [n for n in wanted if (n.user_id, n.key) not in sent]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def service_reminders_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The whole sweep; every part is idempotent. Returns what each part sent."""
    now = now or timezone.now()
    return {
        "revisits": remind_due_revisits(now=now),
        "tickets": remind_due_tickets(now=now),
        "escalated": tickets.tickets_escalate_overdue(now=now),
        "revisits_overdue": tell_managers_of_overdue_revisits(now=now),
    }

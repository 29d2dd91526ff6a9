"""Read queries of after-sales, scoped through `crm.access`, with what each page shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from aftersales import access as aftersales_access
from crm.selectors import person_fields

from .models import (
    ACTIVE_TICKET_STATUSES,
    ImprovementItem,
    Revisit,
    RevisitStatus,
    SatisfactionDrop,
    ServiceTicket,
    TicketEvent,
)


def end_of_today(now: dt.datetime | None = None) -> dt.datetime:
    zone = timezone.get_default_timezone()
    day = timezone.localdate(now or timezone.now(), zone) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)


def tickets_for_list(
    user, *, view: str = "mine", status: str = "", overdue: bool = False
) -> QuerySet[ServiceTicket]:
    rows = aftersales_access.visible_tickets(user)
    if view != "team":
        rows = rows.filter(assignee_id=user.pk)
    if status == "active" or not status:
        rows = rows.filter(status__in=ACTIVE_TICKET_STATUSES)
    elif status != "all":
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(status__in=ACTIVE_TICKET_STATUSES, due_at__lt=timezone.now())
    return rows.select_related("lead", "order", "assignee", "team").order_by("due_at", "id")


def ticket_for_page(user) -> QuerySet[ServiceTicket]:
    return aftersales_access.visible_tickets(user).select_related(
        "lead", "order", "assignee", "opened_by", "team", "team__manager"
    )


def ticket_events(ticket: ServiceTicket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("by").order_by("-at", "-id")


def revisits_for_list(
    user,
    *,
    view: str = "mine",
    when: str = "due",
    overdue: bool = False,
    drop_id: int | None = None,
) -> QuerySet[Revisit]:
    """`when`: "due" (scheduled, due by the end of today), "scheduled" (all to do),
    "done" (recorded: done or not reached), "all". `drop_id`: only the revisits behind a
    satisfaction drop's average (still within the user's scope)."""
    rows = aftersales_access.visible_revisits(user)
    if drop_id is not None:
        ids = SatisfactionDrop.objects.filter(pk=drop_id).values_list("revisit_ids", flat=True)
        rows = rows.filter(pk__in=next(iter(ids), []))
    if view != "team":
        rows = rows.filter(assignee_id=user.pk)
    if when == "due":
        rows = rows.filter(status=RevisitStatus.SCHEDULED, due_at__lt=end_of_today())
    elif when == "scheduled":
        rows = rows.filter(status=RevisitStatus.SCHEDULED)
    elif when == "done":
        rows = rows.filter(status__in=[RevisitStatus.DONE, RevisitStatus.MISSED])
    if overdue:
        rows = rows.filter(status=RevisitStatus.SCHEDULED, due_at__lt=timezone.now())
    order = ("-done_at", "-id") if when == "done" else ("due_at", "id")
    return (
        rows.select_related("lead", "order", "assignee", "plan")
        .only(*LIST_COLUMNS)
        .order_by(*order)
    )


# What the revisit list and the worklist's due panel show: a row reads these columns only
# (the lead's and the order's full rows are dozens of columns, dates parsed for nothing).
LIST_COLUMNS = (
    "id", "due_at", "done_at", "status", "satisfaction", "ticket_id",
    "lead__id", "lead__name", "lead__phone",
    "order__id", "order__number",
    "plan__id", "plan__name",
    "assignee__id", "assignee__username", "assignee__first_name", "assignee__last_name",
)  # fmt: skip


def revisit_for_page(user) -> QuerySet[Revisit]:
    return aftersales_access.visible_revisits(user).select_related(
        "lead", "order", "assignee", "plan", "done_by", "ticket"
    )


def improvements_for_list(user, *, status: str = "") -> QuerySet[ImprovementItem]:
    rows = aftersales_access.visible_improvements(user)
    if status == "open" or not status:
        rows = rows.filter(
            status__in=[ImprovementItem.Status.OPEN, ImprovementItem.Status.IN_PROGRESS]
        )
    elif status != "all":
        rows = rows.filter(status=status)
    return rows.select_related("lead", "team", "owner", "revisit", "revisit__order").order_by(
        "-created_at", "-id"
    )


def due_panel(user, *, limit: int = 10) -> dict:
    """What the worklist's "Revisits and tickets due" panel shows: mine, due by tonight."""
    revisits = list(revisits_for_list(user, view="mine", when="due")[:limit])
    tickets = list(tickets_for_list(user, view="mine")[:limit])
    return {"revisits": revisits, "tickets": tickets, "now": timezone.now()}


REVISIT_TIMELINE_FIELDS = (
    "id",
    "lead_id",
    "order_id",
    "due_at",
    "done_at",
    "status",
    "satisfaction",
    "feedback",
    "order__number",
    *person_fields("assignee"),
    *person_fields("done_by"),
)


def register_timeline_sources() -> None:
    """Revisits and tickets on the lead page's timeline (one query per kind)."""
    from leads.selectors.leads import TimelineEntry, newest_of_lead, timeline_source

    def shown_revisits(lead_pk):
        return Revisit.objects.filter(lead_id=lead_pk).exclude(status=RevisitStatus.CANCELLED)

    @timeline_source("revisit", present=shown_revisits)
    def _revisits(lead, limit):
        # Only the joins the timeline shows: each joined model costs the page about
        # 0.3 ms to plan and build, and the plan and ticket were never shown.
        rows = newest_of_lead("revisit", revisit_rows, lead.pk, limit)
        return (TimelineEntry(row.done_at or row.due_at, "revisit", row) for row in rows)

    def revisit_rows(lead_pk):
        return (
            shown_revisits(lead_pk)
            .select_related("assignee", "done_by", "order")
            .only(*REVISIT_TIMELINE_FIELDS)
            .order_by("-due_at", "-id")
        )

    @timeline_source("ticket", present=lambda pk: ServiceTicket.objects.filter(lead_id=pk))
    def _tickets(lead, limit):
        rows = newest_of_lead("ticket", ticket_rows, lead.pk, limit)
        return (TimelineEntry(row.opened_at, "ticket", row) for row in rows)

    def ticket_rows(lead_pk):
        rows = ServiceTicket.objects.filter(lead_id=lead_pk).select_related("assignee")
        return rows.order_by("-opened_at", "-id")

"""Service tickets: open, move along `TICKET_MOVES`, reassign, escalate when overdue.

Every move is one function (`ticket_start`, `ticket_resolve`, `ticket_close`,
`ticket_reopen`) over one checked, locked transition (`_move`): the ticket row is locked
with `select_for_update`, the move is checked against the table, and a `TicketEvent`
records who, when, from, to and why. Two people moving the same ticket at once are
serialized by the lock; the second sees the first's status and is refused if its move is no
longer legal.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import access as aftersales_access
from crm import access
from crm.models import Notification, Team
from leads.models import Lead
from orders.models import Order

from ..models import (
    ACTIVE_TICKET_STATUSES,
    TICKET_MOVES,
    ServiceTicket,
    TicketEvent,
    TicketPriority,
    TicketSLA,
    TicketStatus,
    TicketType,
)

# Used when an admin deleted a priority's SLA row: never leave a ticket without a due time.
FALLBACK_SLA_HOURS = {
    TicketPriority.URGENT: 4,
    TicketPriority.HIGH: 24,
    TicketPriority.NORMAL: 72,
    TicketPriority.LOW: 168,
}


def ticket_due_at(*, priority: str, opened_at: dt.datetime) -> dt.datetime:
    """When a ticket of `priority` opened at `opened_at` must be resolved (its SLA)."""
    hours = (
        TicketSLA.objects.filter(priority=priority)
        .values_list("resolve_within_hours", flat=True)
        .first()
    )
    if hours is None:
        hours = FALLBACK_SLA_HOURS.get(priority, 72)
    return opened_at + dt.timedelta(hours=hours)


def _team_for(*, lead: Lead, order, by: User) -> Team | None:
    if order is not None and order.team_id:
        return order.team
    if lead.team_id:
        return lead.team
    member = getattr(by, "member", None) if by is not None else None
    return member.team if member is not None else None


@transaction.atomic
def ticket_open(
    *,
    lead: Lead,
    type: str,
    subject: str,
    by: User,
    order: Order | None = None,
    priority: str = TicketPriority.NORMAL,
    description: str = "",
    assignee: User | None = None,
    at: dt.datetime | None = None,
) -> ServiceTicket:
    """Open a ticket for a customer (and one of their orders). Due time from the SLA.

    The assignee defaults to the customer's agent (the order's agent, else the lead's
    owner), else the person opening it.
    """
    if type not in TicketType.values:
        raise ValidationError({"type": _("Choose a ticket type.")})
    if priority not in TicketPriority.values:
        raise ValidationError({"priority": _("Choose a priority.")})
    if not (subject or "").strip():
        raise ValidationError({"subject": _("Say what the problem is.")})
    if order is not None and order.lead_id != lead.pk:
        raise ValidationError({"order": _("This order is not this customer's.")})
    at = at or timezone.now()
    if assignee is None:
        assignee = order.agent if order is not None else lead.owner
        if assignee is None or not assignee.is_active:
            assignee = by
    ticket = ServiceTicket.objects.create(
        lead=lead,
        order=order,
        team=_team_for(lead=lead, order=order, by=by),
        type=type,
        priority=priority,
        subject=subject.strip()[:200],
        description=description,
        assignee=assignee,
        opened_by=by,
        opened_at=at,
        due_at=ticket_due_at(priority=priority, opened_at=at),
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.OPENED, to_status=ticket.status, by=by, at=at
    )
    if assignee is not None and by is not None and assignee.pk != by.pk:
        _notify(
            user_id=assignee.pk,
            key=f"ticket-assigned:{ticket.pk}:{assignee.pk}",
            kind="ticket_assigned",
            text=_("New service ticket #%(id)s: %(subject)s")
            % {"id": ticket.pk, "subject": ticket.subject},
            ticket=ticket,
        )
    return ticket


def _notify(*, user_id: int, key: str, kind: str, text: str, ticket: ServiceTicket) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                key=key[:150],
                kind=kind,
                text=text[:300],
                url=reverse("aftersales:ticket_detail", args=[ticket.pk]),
            )
        ],
        ignore_conflicts=True,
    )


def _check_may_work(ticket: ServiceTicket, by: User) -> None:
    if by is not None and not aftersales_access.can_work_ticket(by, ticket):
        raise ValidationError(_("You may not work on this ticket."))


@transaction.atomic
def _move(
    *, ticket: ServiceTicket, to: str, by: User, note: str = "", at: dt.datetime | None = None
) -> ServiceTicket:
    """The one checked transition: lock, check the table, write the row and its event."""
    locked = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    _check_may_work(locked, by)
    if to not in TICKET_MOVES.get(locked.status, ()):
        raise ValidationError(
            {
                "status": _("A ticket that is %(status)s cannot become %(to)s.")
                % {
                    "status": locked.get_status_display(),
                    "to": TicketStatus(to).label,
                }
            }
        )
    at = at or timezone.now()
    from_status = locked.status
    locked.status = to
    fields = ["status", "updated_at"]
    if to == TicketStatus.RESOLVED:
        locked.resolved_at = at
        locked.resolution = note
        fields += ["resolved_at", "resolution"]
    elif to == TicketStatus.CLOSED:
        locked.closed_at = at
        fields.append("closed_at")
    elif to == TicketStatus.REOPENED:
        # Back to work: a new due time from the SLA, a new chance to escalate and remind.
        locked.resolved_at = None
        locked.closed_at = None
        locked.escalated_at = None
        locked.reminded_at = None
        locked.due_at = ticket_due_at(priority=locked.priority, opened_at=at)
        fields += ["resolved_at", "closed_at", "escalated_at", "reminded_at", "due_at"]
    locked.save(update_fields=fields)
    TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEvent.Kind.MOVED,
        from_status=from_status,
        to_status=to,
        note=note,
        by=by,
        at=at,
    )
    return locked


def ticket_start(*, ticket: ServiceTicket, by: User, note: str = "") -> ServiceTicket:
    """Start working on an open or reopened ticket."""
    return _move(ticket=ticket, to=TicketStatus.IN_PROGRESS, by=by, note=note)


def ticket_resolve(*, ticket: ServiceTicket, by: User, resolution: str) -> ServiceTicket:
    """Resolved, with what was done (required)."""
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Say how the problem was resolved.")})
    return _move(ticket=ticket, to=TicketStatus.RESOLVED, by=by, note=resolution.strip())


def ticket_close(*, ticket: ServiceTicket, by: User, note: str = "") -> ServiceTicket:
    """Close a resolved ticket (the customer confirmed, or nothing more to do)."""
    return _move(ticket=ticket, to=TicketStatus.CLOSED, by=by, note=note)


def ticket_reopen(*, ticket: ServiceTicket, by: User, reason: str) -> ServiceTicket:
    """The problem is back: reopen a resolved or closed ticket, saying why (required)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the ticket is reopened.")})
    return _move(ticket=ticket, to=TicketStatus.REOPENED, by=by, note=reason.strip())


# One function per move, by the status it leads to (what pages and the API dispatch on).
MOVE_SERVICES = {
    "start": ticket_start,
    "resolve": ticket_resolve,
    "close": ticket_close,
    "reopen": ticket_reopen,
}
MOVE_TARGETS = {
    "start": TicketStatus.IN_PROGRESS,
    "resolve": TicketStatus.RESOLVED,
    "close": TicketStatus.CLOSED,
    "reopen": TicketStatus.REOPENED,
}


def moves_for(*, ticket: ServiceTicket) -> list[str]:
    """The names of the moves legal from the ticket's status (for buttons)."""
    allowed = set(TICKET_MOVES.get(ticket.status, ()))
    return [name for name, target in MOVE_TARGETS.items() if target in allowed]


@transaction.atomic
def ticket_reassign(
    *, ticket: ServiceTicket, assignee: User, by: User, note: str = ""
) -> ServiceTicket:
    """Hand a ticket to someone else (a manager, head or admin within their scope)."""
    if by is not None and not aftersales_access.can_manage_service(by):
        raise ValidationError(_("Only managers may reassign tickets."))
    locked = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    if by is not None and not aftersales_access.visible_tickets(by).filter(pk=locked.pk).exists():
        raise ValidationError(_("You may not work on this ticket."))
    if assignee is None or not assignee.is_active:
        raise ValidationError({"assignee": _("Choose an active member.")})
    if by is not None and not access.visible_members(by).filter(user=assignee).exists():
        raise ValidationError({"assignee": _("Choose someone in your teams.")})
    if locked.assignee_id == assignee.pk:
        return locked
    previous = locked.assignee
    locked.assignee = assignee
    locked.reminded_at = None
    locked.save(update_fields=["assignee", "reminded_at", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEvent.Kind.REASSIGNED,
        note=note
        or _("From %(from)s to %(to)s")
        % {"from": previous.get_username() if previous else "-", "to": assignee.get_username()},
        by=by,
    )
    _notify(
        user_id=assignee.pk,
        key=f"ticket-assigned:{locked.pk}:{assignee.pk}:{timezone.now():%Y%m%d%H%M%S}",
        kind="ticket_assigned",
        text=_("Service ticket #%(id)s was handed to you: %(subject)s")
        % {"id": locked.pk, "subject": locked.subject},
        ticket=locked,
    )
    return locked


def tickets_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Tell each overdue ticket's team manager, once: set `escalated_at`, write the event.

    Set-based: one locked query for the overdue tickets not escalated yet (rows another
    worker holds are skipped), one insert of notifications (unique per manager and ticket),
    one insert of events, one update. Returns how many tickets were escalated.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            ServiceTicket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status__in=ACTIVE_TICKET_STATUSES,
                due_at__lt=now,
                escalated_at__isnull=True,
            )
            .values_list("pk", "subject", "team__manager_id")
        )
        if not rows:
            return 0
        ids = [pk for pk, _subject, _manager in rows]
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=manager_id,
                    key=f"ticket-overdue:{pk}",
                    kind="ticket_overdue",
                    text=(
                        _("Overdue service ticket #%(id)s: %(subject)s")
                        % {"id": pk, "subject": subject}
                    )[:300],
                    url=reverse("aftersales:ticket_detail", args=[pk]),
                    created_at=now,
                )
                for pk, subject, manager_id in rows
                if manager_id is not None
            ],
            ignore_conflicts=True,
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket_id=pk,
                    kind=TicketEvent.Kind.ESCALATED,
                    note=_("Overdue: escalated to the team manager."),
                    at=now,
                )
                for pk in ids
            ]
        )
        ServiceTicket.objects.filter(pk__in=ids).update(escalated_at=now)
    return len(ids)

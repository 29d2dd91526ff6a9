"""Service tickets: the state machine, SLA due times, escalation, reassignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.models import (
    TICKET_MOVES,
    ServiceTicket,
    TicketEvent,
    TicketSLA,
    TicketStatus,
)
from aftersales.services import tickets
from crm.models import Notification
from tests.aftersales.factories import TicketFactory, delivered_order
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

# What each move needs said: the resolution, the reason to reopen.
MOVE_FOR = {
    TicketStatus.IN_PROGRESS: lambda t, by: tickets.ticket_start(ticket=t, by=by),
    TicketStatus.RESOLVED: lambda t, by: tickets.ticket_resolve(
        ticket=t, by=by, resolution="换了新的"
    ),
    TicketStatus.CLOSED: lambda t, by: tickets.ticket_close(ticket=t, by=by),
    TicketStatus.REOPENED: lambda t, by: tickets.ticket_reopen(ticket=t, by=by, reason="又坏了"),
}
# How to bring a ticket to each status through legal moves.
PATH_TO = {
    TicketStatus.OPEN: [],
    TicketStatus.IN_PROGRESS: [TicketStatus.IN_PROGRESS],
    TicketStatus.RESOLVED: [TicketStatus.RESOLVED],
    TicketStatus.CLOSED: [TicketStatus.RESOLVED, TicketStatus.CLOSED],
    TicketStatus.REOPENED: [TicketStatus.RESOLVED, TicketStatus.REOPENED],
}
ALL_PAIRS = [(a, b) for a in TicketStatus.values for b in MOVE_FOR]


def _ticket_for(org, status):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    ticket = tickets.ticket_open(lead=lead, type="repair", subject="坏了", by=org.agent_a1.user)
    for step in PATH_TO[status]:
        ticket = MOVE_FOR[step](ticket, org.agent_a1.user)
    assert ticket.status == status
    return ticket


@pytest.mark.parametrize("from_status, to_status", ALL_PAIRS)
def test_every_move_is_legal_exactly_when_the_table_says_so(org, from_status, to_status):
    ticket = _ticket_for(org, from_status)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    if to_status in TICKET_MOVES[from_status]:
        moved = MOVE_FOR[to_status](ticket, org.agent_a1.user)
        assert moved.status == to_status
        event = TicketEvent.objects.filter(ticket=ticket).order_by("-id").first()
        assert (event.from_status, event.to_status, event.by_id) == (
            from_status,
            to_status,
            org.agent_a1.user_id,
        )
    else:
        with pytest.raises(ValidationError) as refused:
            MOVE_FOR[to_status](ticket, org.agent_a1.user)
        assert "status" in refused.value.message_dict
        ticket.refresh_from_db()
        assert ticket.status == from_status
        assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_the_table_is_the_business_flow():
    assert TICKET_MOVES == {
        "open": ("in_progress", "resolved"),
        "in_progress": ("resolved",),
        "resolved": ("closed", "reopened"),
        "closed": ("reopened",),
        "reopened": ("in_progress", "resolved"),
    }


def test_resolving_needs_the_resolution_and_reopening_a_reason(org):
    ticket = _ticket_for(org, TicketStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as refused:
        tickets.ticket_resolve(ticket=ticket, by=org.agent_a1.user, resolution="  ")
    assert "resolution" in refused.value.message_dict
    ticket = tickets.ticket_resolve(ticket=ticket, by=org.agent_a1.user, resolution="上门维修")
    assert ticket.resolution == "上门维修" and ticket.resolved_at is not None
    with pytest.raises(ValidationError) as refused:
        tickets.ticket_reopen(ticket=ticket, by=org.agent_a1.user, reason="")
    assert "reason" in refused.value.message_dict


def test_reopening_starts_a_new_sla_and_may_escalate_again(org):
    ticket = _ticket_for(org, TicketStatus.CLOSED)
    ServiceTicket.objects.filter(pk=ticket.pk).update(escalated_at=timezone.now())
    reopened = tickets.ticket_reopen(ticket=ticket, by=org.agent_a1.user, reason="又坏了")
    assert reopened.closed_at is None and reopened.resolved_at is None
    assert reopened.escalated_at is None
    assert reopened.due_at > timezone.now() + dt.timedelta(hours=71)


@pytest.mark.parametrize(
    "priority, hours", [("urgent", 4), ("high", 24), ("normal", 72), ("low", 168)]
)
def test_due_time_comes_from_the_sla_of_the_priority(org, priority, hours):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    at = timezone.now()
    ticket = tickets.ticket_open(
        lead=lead, type="question", priority=priority, subject="?", by=org.agent_a1.user, at=at
    )
    assert ticket.due_at == at + dt.timedelta(hours=hours)


def test_an_admin_edited_sla_applies_to_new_tickets(org):
    TicketSLA.objects.filter(priority="normal").update(resolve_within_hours=10)
    at = timezone.now()
    ticket = tickets.ticket_open(
        lead=LeadFactory(), type="question", subject="?", by=org.admin.user, at=at
    )
    assert ticket.due_at == at + dt.timedelta(hours=10)
    TicketSLA.objects.filter(priority="normal").delete()
    ticket = tickets.ticket_open(
        lead=LeadFactory(), type="question", subject="?", by=org.admin.user, at=at
    )
    assert ticket.due_at == at + dt.timedelta(hours=72)  # never without a due time


def test_a_ticket_on_an_order_goes_to_the_orders_agent_and_team(org):
    order = delivered_order(org.agent_b1)
    ticket = tickets.ticket_open(
        lead=order.lead, order=order, type="repair", subject="坏了", by=org.manager_a.user
    )
    assert ticket.assignee_id == org.agent_b1.user_id
    assert ticket.team_id == org.team_b.pk
    assert ticket.events.get().kind == TicketEvent.Kind.OPENED
    # The agent is told a ticket is theirs.
    assert Notification.objects.filter(user=org.agent_b1.user, kind="ticket_assigned").count() == 1


def test_a_ticket_refuses_an_order_of_another_customer_and_bad_input(org):
    order = delivered_order(org.agent_b1)
    other = LeadFactory()
    with pytest.raises(ValidationError) as refused:
        tickets.ticket_open(lead=other, order=order, type="repair", subject="x", by=org.admin.user)
    assert "order" in refused.value.message_dict
    for field, kwargs in (
        ("type", {"type": "nope", "subject": "x"}),
        ("priority", {"type": "repair", "subject": "x", "priority": "nope"}),
        ("subject", {"type": "repair", "subject": " "}),
    ):
        with pytest.raises(ValidationError) as refused:
            tickets.ticket_open(lead=other, by=org.admin.user, **kwargs)
        assert field in refused.value.message_dict


def test_only_the_assignee_or_a_manager_in_scope_moves_a_ticket(org):
    ticket = _ticket_for(org, TicketStatus.OPEN)
    for outsider in (org.agent_a2, org.manager_b, org.inspector, org.agent_c1):
        with pytest.raises(ValidationError):
            tickets.ticket_start(ticket=ticket, by=outsider.user)
    assert tickets.ticket_start(ticket=ticket, by=org.manager_a.user).status == "in_progress"
    assert (
        tickets.ticket_resolve(ticket=ticket, by=org.head.user, resolution="ok").status
        == "resolved"
    )


def test_reassign_within_the_managers_teams(org):
    ticket = _ticket_for(org, TicketStatus.OPEN)
    with pytest.raises(ValidationError):
        tickets.ticket_reassign(ticket=ticket, assignee=org.agent_a2.user, by=org.agent_a1.user)
    with pytest.raises(ValidationError) as refused:
        tickets.ticket_reassign(ticket=ticket, assignee=org.agent_b1.user, by=org.manager_a.user)
    assert "assignee" in refused.value.message_dict
    moved = tickets.ticket_reassign(
        ticket=ticket, assignee=org.agent_a2.user, by=org.manager_a.user
    )
    assert moved.assignee_id == org.agent_a2.user_id
    assert moved.events.filter(kind=TicketEvent.Kind.REASSIGNED).count() == 1
    assert Notification.objects.filter(user=org.agent_a2.user, kind="ticket_assigned").exists()


def test_overdue_tickets_escalate_to_the_team_manager_once(org):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    long_ago = timezone.now() - dt.timedelta(days=5)
    overdue = tickets.ticket_open(
        lead=lead, type="repair", subject="坏了", by=org.agent_a1.user, at=long_ago
    )
    fresh = tickets.ticket_open(lead=lead, type="question", subject="?", by=org.agent_a1.user)
    resolved_late = tickets.ticket_open(
        lead=lead, type="question", subject="!", by=org.agent_a1.user, at=long_ago
    )
    tickets.ticket_resolve(ticket=resolved_late, by=org.agent_a1.user, resolution="ok")

    assert tickets.tickets_escalate_overdue() == 1
    assert tickets.tickets_escalate_overdue() == 0
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.escalated_at is not None and fresh.escalated_at is None
    told = Notification.objects.filter(user=org.manager_a.user, kind="ticket_overdue")
    assert list(told.values_list("key", flat=True)) == [f"ticket-overdue:{overdue.pk}"]
    assert overdue.events.filter(kind=TicketEvent.Kind.ESCALATED).count() == 1


def test_database_refuses_a_closed_ticket_without_its_times(org):
    ticket = TicketFactory(lead=LeadFactory(owner=org.agent_a1.user, team=org.team_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTicket.objects.filter(pk=ticket.pk).update(status="closed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTicket.objects.filter(pk=ticket.pk).update(
            due_at=ticket.opened_at - dt.timedelta(hours=1)
        )

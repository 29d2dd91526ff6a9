"""The reminder sweep: due revisits and tickets to their assignees, overdue ones to the
managers, each once, in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.models import Revisit, ServiceTicket
from aftersales.services import reminders, revisits, tickets
from crm.models import Notification
from tests.aftersales.factories import RevisitFactory, delivered_order
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _notes(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).values_list("key", "url"))


def test_due_revisits_reach_their_assignee_once(org):
    order = delivered_order(org.agent_a1, delivered_at=timezone.now() - dt.timedelta(days=4))
    due, later = sorted(revisits.revisits_schedule(order=order), key=lambda r: r.due_at)
    now = due.due_at + dt.timedelta(hours=1)

    assert reminders.remind_due_revisits(now=now) == 1
    assert reminders.remind_due_revisits(now=now) == 0
    assert _notes(org.agent_a1.user, "revisit_due") == [
        (f"revisit-due:{due.pk}", f"/service/revisits/{due.pk}/")
    ]
    text = Notification.objects.get(user=org.agent_a1.user).text
    assert order.number in text and order.lead.name in text
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.reminded_at is not None and later.reminded_at is None


def test_a_lost_marker_still_sends_nothing_twice(org):
    now = timezone.now()
    revisit = RevisitFactory(order=delivered_order(org.agent_a1), due_at=now)
    assert reminders.remind_due_revisits(now=now) == 1
    Revisit.objects.filter(pk=revisit.pk).update(reminded_at=None)  # a crash between the two
    assert reminders.remind_due_revisits(now=now) == 0
    assert Notification.objects.filter(user=org.agent_a1.user).count() == 1


def test_old_backlog_and_done_revisits_are_not_notified(org):
    now = timezone.now()
    order = delivered_order(org.agent_a1)
    RevisitFactory(order=order, due_at=now - dt.timedelta(days=30))
    done = RevisitFactory(order=delivered_order(org.agent_a1), due_at=now)
    revisits.revisit_record(revisit=done, by=org.agent_a1.user, reached=False)
    assert reminders.remind_due_revisits(now=now) == 0


def test_tickets_coming_due_reach_their_assignee_once(org):
    lead = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
    now = timezone.now()
    soon = tickets.ticket_open(
        lead=lead,
        type="repair",
        priority="urgent",
        subject="急",
        by=org.agent_b1.user,
        at=now - dt.timedelta(hours=3),
    )
    tickets.ticket_open(lead=lead, type="question", subject="不急", by=org.agent_b1.user)
    assert reminders.remind_due_tickets(now=now) == 1
    assert reminders.remind_due_tickets(now=now) == 0
    assert [key for key, _url in _notes(org.agent_b1.user, "ticket_due")] == [
        Notification.objects.get(kind="ticket_due").key
    ]
    soon.refresh_from_db()
    assert soon.reminded_at is not None


def test_managers_hear_of_overdue_revisits_once_a_day(org):
    now = timezone.now()
    for _ in range(3):
        RevisitFactory(order=delivered_order(org.agent_a1), due_at=now - dt.timedelta(days=3))
    RevisitFactory(order=delivered_order(org.agent_b1), due_at=now - dt.timedelta(hours=2))
    assert reminders.tell_managers_of_overdue_revisits(now=now) == 1
    assert reminders.tell_managers_of_overdue_revisits(now=now) == 0
    note = Notification.objects.get(user=org.manager_a.user, kind="revisits_overdue")
    assert "3" in note.text
    assert not Notification.objects.filter(user=org.manager_b.user).exists()


def test_the_whole_sweep_is_idempotent_and_set_based(org, django_assert_max_num_queries):
    now = timezone.now()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        for hours in (0, 3, 6, 30):  # the last is past the reminders' day, and overdue
            RevisitFactory(order=delivered_order(member), due_at=now - dt.timedelta(hours=hours))
        tickets.ticket_open(
            lead=LeadFactory(owner=member.user, team=member.team),
            type="repair",
            subject="坏了",
            by=member.user,
            at=now - dt.timedelta(days=5),
        )
    with django_assert_max_num_queries(20):
        first = reminders.service_reminders_sweep(now=now)
    assert first == {"revisits": 12, "tickets": 4, "escalated": 4, "revisits_overdue": 3}
    count = Notification.objects.count()
    with django_assert_max_num_queries(20):
        second = reminders.service_reminders_sweep(now=now)
    assert second == {"revisits": 0, "tickets": 0, "escalated": 0, "revisits_overdue": 0}
    assert Notification.objects.count() == count
    assert ServiceTicket.objects.filter(escalated_at__isnull=True).count() == 0

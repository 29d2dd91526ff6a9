"""The after-sales fast paths (`aftersales.db`) write exactly what their ORM references
write, on the same PostgreSQL data: given due revisits and tickets, some already notified,
the set-based INSERT … SELECT and the row-by-row reference send the same notifications and
count them alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from aftersales import db
from aftersales.services import reminders, tickets
from crm.models import Notification
from tests.aftersales.factories import RevisitFactory, delivered_order
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db

_FIELDS = ("user_id", "kind", "key", "text", "url", "created_at", "read_at")


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("the after-sales fast paths run on PostgreSQL")


class _Undo(Exception):
    pass


def _written_by(insert, rows) -> tuple[int, set]:
    """What `insert(rows)` returns and the notifications it leaves, then rolled back."""
    outcome = None
    try:
        with transaction.atomic():
            count = insert(rows)
            outcome = (count, set(Notification.objects.values_list(*_FIELDS)))
            raise _Undo
    except _Undo:
        pass
    assert outcome is not None
    return outcome


@pytest.fixture
def due(org):
    """Due revisits and tickets of several agents; one revisit already notified."""
    now = timezone.now()
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        for hours in (0, 3, 30):
            RevisitFactory(order=delivered_order(member), due_at=now - dt.timedelta(hours=hours))
        tickets.ticket_open(
            lead=LeadFactory(owner=member.user, team=member.team),
            type="repair",
            priority="urgent",
            subject="坏了 “quoted” ' and long " + "x" * 300,
            by=member.user,
            at=now - dt.timedelta(hours=3),
        )
    first = reminders.revisits_to_remind(now=now).order_by("pk").first()
    Notification.objects.create(
        user_id=first.assignee_id, kind="revisit_due", key=f"revisit-due:{first.pk}", text="x"
    )
    return now


@pytest.mark.parametrize("kind", ["revisits", "tickets"])
def test_insert_select_writes_what_the_reference_writes(postgres_only, due, kind):
    rows = {
        "revisits": reminders.revisit_notifications,
        "tickets": reminders.ticket_notifications,
    }[kind](now=due)
    fast = _written_by(db.notifications_insert_select, rows)
    reference = _written_by(db.notifications_insert_reference, rows)
    assert fast == reference
    assert fast[0] == (7 if kind == "revisits" else 4)


def test_nothing_due_writes_nothing_either_way(postgres_only, org):
    rows = reminders.revisit_notifications(now=timezone.now())
    assert _written_by(db.notifications_insert_select, rows)[0] == 0
    assert _written_by(db.notifications_insert_reference, rows)[0] == 0

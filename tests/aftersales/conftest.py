"""After-sales fixtures: delivered orders of the `org` fixture's agents, with revisits and
tickets spread over the teams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from aftersales.models import Revisit, ServiceTicket
from aftersales.services import revisits, tickets
from tests.aftersales.factories import delivered_order


@pytest.fixture(autouse=True)
def _service_defaults(request):
    """The default plans and SLAs (a transactional test elsewhere may have flushed the
    rows the data migration wrote)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "org" not in request.fixturenames:
        return
    transactional = marker is not None and marker.kwargs.get("transaction")
    request.getfixturevalue("transactional_db" if transactional else "db")
    revisits.defaults_install()


@dataclass
class ServiceWorld:
    # Per agent key ("a1", "a2", "b1", "c1"): their ticket and their due revisit.
    tickets: dict[str, ServiceTicket]
    revisits: dict[str, Revisit]


@pytest.fixture
def service_world(org) -> ServiceWorld:
    """Each agent has a delivered order (3 days ago: its day-3 revisit is due today), and
    a ticket on that customer."""
    members = {"a1": org.agent_a1, "a2": org.agent_a2, "b1": org.agent_b1, "c1": org.agent_c1}
    world = ServiceWorld(tickets={}, revisits={})
    delivered = timezone.now() - dt.timedelta(days=3, hours=1)
    for key, member in members.items():
        order = delivered_order(member, delivered_at=delivered)
        scheduled = revisits.revisits_schedule(order=order)
        world.revisits[key] = min(scheduled, key=lambda r: r.due_at)
        world.tickets[key] = tickets.ticket_open(
            lead=order.lead, order=order, type="question", subject=f"问题 {key}", by=member.user
        )
    return world

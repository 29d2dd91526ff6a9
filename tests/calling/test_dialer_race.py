"""Two agents never preview the same lead, however many ask at once (PostgreSQL).

Given a team of 100 agents and 100 leads waiting in the team's pool, when every agent asks
for their next lead at the same moment (each on its own connection, all released by one
barrier), then each gets a lead and no lead is given twice.

PostgreSQL here allows 100 connections shared with other test runs, so at most
`CONNECTIONS` of the 100 requests hold a connection at the same instant; the others wait
at the door, not in the database.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from calling.models import DialerLease
from calling.services import dialer
from crm.models import Role
from tests.factories import TeamFactory, make_member
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = 100
CONNECTIONS = 30


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("concurrent writers need PostgreSQL (SQLite serializes them)")


def test_a_hundred_agents_asking_at_once_get_a_hundred_different_leads(postgres_only, org):
    team = TeamFactory(name="大组", department=org.east)
    agents = [
        make_member(role=Role.AGENT, team=team, username=f"race{n:03d}").user for n in range(AGENTS)
    ]
    leads = {LeadFactory(team=team, grade="ABCD"[n % 4]).pk for n in range(AGENTS)}

    barrier = threading.Barrier(AGENTS)
    door = threading.BoundedSemaphore(CONNECTIONS)
    got: dict[int, int | None] = {}
    failures: list[BaseException] = []

    def ask(agent):
        try:
            barrier.wait()
            with door:
                try:
                    preview = dialer.lead_take_next(agent=agent)
                    got[agent.pk] = preview.lead.pk if preview else None
                finally:
                    connection.close()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=ask, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert not failures, failures
    assert len(got) == AGENTS and None not in got.values()
    assert len(set(got.values())) == AGENTS  # a hundred different leads
    assert set(got.values()) == leads
    holds = dict(DialerLease.objects.values_list("agent_id", "lead_id"))
    assert holds == got

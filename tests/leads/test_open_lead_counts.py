"""The open-lead counts the database keeps (PostgreSQL triggers, `leads.db.loads`) equal
counting, after every kind of write: capture and assignment, moves, set-based updates,
release to the pool, reassignment, deletion, TRUNCATE, and folding."""

import pytest
from django.db import connection

from crm.models import Member, Role
from leads.db import loads
from leads.models import AgentOpenLeadsDelta, Lead, LeadStatus
from leads.selectors.team import agent_loads
from tests.factories import TeamFactory, make_member
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (the counts are kept by its triggers)")


def _agree(*agents) -> dict[int, int]:
    kept = dict(
        Member.objects.filter(user__in=agents)
        .annotate(n=loads.open_leads_kept())
        .values_list("user_id", "n")
    )
    counted = dict(
        Member.objects.filter(user__in=agents)
        .annotate(n=loads.open_leads_counted())
        .values_list("user_id", "n")
    )
    assert kept == counted
    for few in (loads.FEW_AGENTS, 0):  # by index probes, and the whole kept tables
        loads.FEW_AGENTS, saved = few, loads.FEW_AGENTS
        try:
            by_user = loads.open_leads_by_user(user.pk for user in agents)
        finally:
            loads.FEW_AGENTS = saved
        assert {pk: by_user.get(pk, 0) for pk in counted} == counted
    for user in agents:
        assert loads.open_leads_of(user.pk) == counted[user.pk]
    return counted


def test_kept_counts_follow_every_kind_of_write():
    team = TeamFactory()
    ann, bob = (make_member(role=Role.AGENT, team=team).user for _ in range(2))
    leads = [LeadFactory(owner=ann, team=team) for _ in range(5)]
    LeadFactory(owner=bob, team=team, status=LeadStatus.WON)  # closed: not counted
    assert _agree(ann, bob) == {ann.pk: 5, bob.pk: 0}

    Lead.objects.filter(pk=leads[0].pk).update(status=LeadStatus.LOST)  # closed by a job
    Lead.objects.filter(pk__in=[leads[1].pk, leads[2].pk]).update(owner=bob)  # reassigned
    Lead.objects.filter(pk=leads[3].pk).update(owner=None)  # released to the pool
    Lead.objects.filter(pk=leads[4].pk).update(notes="just a note")  # no change of count
    assert _agree(ann, bob) == {ann.pk: 1, bob.pk: 2}

    Lead.objects.filter(pk=leads[1].pk).delete()
    Lead.objects.filter(pk=leads[3].pk).update(owner=ann, status=LeadStatus.CONTACTED)
    assert _agree(ann, bob) == {ann.pk: 2, bob.pk: 1}

    assert loads.fold() >= 1
    assert not AgentOpenLeadsDelta.objects.exists()
    assert _agree(ann, bob) == {ann.pk: 2, bob.pk: 1}
    assert loads.fold() == 0  # nothing left: folding again changes nothing
    assert _agree(ann, bob) == {ann.pk: 2, bob.pk: 1}


def test_the_team_page_reads_the_kept_count():
    team = TeamFactory()
    manager = make_member(role=Role.TEAM_MANAGER, team=team).user
    team.manager = manager
    team.save()
    agent = make_member(role=Role.AGENT, team=team).user
    for _ in range(3):
        LeadFactory(owner=agent, team=team)
    rows = {m.user_id: m.open_leads for m in agent_loads(manager)}
    assert rows[agent.pk] == 3
    loads.fold()
    assert {m.user_id: m.open_leads for m in agent_loads(manager)}[agent.pk] == 3


@pytest.mark.django_db(transaction=True)
def test_truncating_the_leads_empties_the_kept_counts():
    team = TeamFactory()
    agent = make_member(role=Role.AGENT, team=team).user
    LeadFactory(owner=agent, team=team)
    loads.fold()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_lead CASCADE")
    assert loads.open_leads_of(agent.pk) == 0

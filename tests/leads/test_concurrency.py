"""A lead is never given to two agents, whoever acts at the same moment (PostgreSQL).

Four assignment workers, two managers reassigning and two agents claiming work over the
same leads at once, each on its own database connection. Afterwards every lead's
history, replayed in order, ends at its owner, each move starts where the previous one
ended, and no lead was assigned automatically twice.
"""

import contextlib
import threading
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from crm import services as crm_services
from leads.models import Assignment, Lead, LeadPolicy, RoutingRule
from leads.services import assignment, pool
from tests.leads.factories import LeadFactory
from tests.support import unavailable


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL")


def _run_together(jobs) -> list[BaseException]:
    """Start every job at the same instant in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def _tolerate_refusals(action):
    """A manager or agent beaten to a lead is told so; that is the expected outcome."""

    def run():
        with contextlib.suppress(ValidationError):
            action()

    return run


def test_workers_managers_and_agents_never_give_a_lead_twice(postgres_only, transactional_db, org):
    for member in (org.agent_a1, org.agent_a2):
        crm_services.member_update(member=member, daily_lead_capacity=1000)
    RoutingRule.objects.create(name="all to A", team=org.team_a)
    policy = LeadPolicy.current()
    policy.pool_daily_claim_limit = 1000
    policy.save()
    fresh = [lead.pk for lead in LeadFactory.create_batch(240)]
    in_pool = [lead.pk for lead in LeadFactory.create_batch(40, team=org.team_a)]

    def worker():
        assignment.assign_pending_leads(batch_size=15)

    def admin_reassigns(chunk):
        return _tolerate_refusals(
            lambda: assignment.leads_reassign(
                lead_ids=chunk, agent=org.agent_a2.user, by=org.admin.user, reason="by hand"
            )
        )

    def manager_reassigns(chunk):
        return _tolerate_refusals(
            lambda: assignment.leads_reassign(
                lead_ids=chunk, agent=org.agent_a1.user, by=org.manager_a.user, reason="by hand"
            )
        )

    def agent_claims(member, ids):
        def run():
            for pk in ids:
                with contextlib.suppress(ValidationError):
                    pool.lead_claim(lead_id=pk, user=member.user)

        return run

    jobs = [worker] * 4
    jobs += [admin_reassigns(fresh[i : i + 10]) for i in range(0, 60, 10)]
    jobs += [manager_reassigns(in_pool[i : i + 5]) for i in range(0, 20, 5)]
    jobs += [
        agent_claims(org.agent_a1, in_pool),
        agent_claims(org.agent_a2, list(reversed(in_pool))),
    ]
    failures = _run_together(jobs)
    assert failures == []

    # Every fresh lead was handled exactly once by the rules or by hand.
    assert not Lead.objects.filter(pk__in=fresh, owner__isnull=True).exists()
    history = defaultdict(list)
    for row in Assignment.objects.order_by("id").values("lead_id", "kind", "from_user", "to_user"):
        history[row["lead_id"]].append(row)
    owners = dict(Lead.objects.values_list("pk", "owner_id"))
    for lead_id, rows in history.items():
        assert sum(row["kind"] == Assignment.Kind.AUTO for row in rows) <= 1
        current = None
        for row in rows:
            assert row["from_user"] == current, f"lead {lead_id}: history does not chain"
            current = row["to_user"]
        assert current == owners[lead_id], f"lead {lead_id}: owner differs from history"
    # A claimed lead was claimed once: two agents never both won it.
    claims = Assignment.objects.filter(kind=Assignment.Kind.CLAIM)
    assert claims.count() == claims.values("lead").distinct().count()
    assert all(owners[pk] is not None for pk in fresh)

"""Decisions made at the same instant (PostgreSQL row locks and constraints).

Two people approving/rejecting one incentive at once: the row lock serializes them and
the second is refused naming `status`. Two managers opening a plan for one agent at once:
the one-open-plan constraint keeps one, the other gets a form error naming `agent`.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from performance.models import ImprovementPlan, Incentive
from performance.services import improvement, incentives
from tests.performance.people_fixtures import MARCH
from tests.support import unavailable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("row locks (SELECT … FOR UPDATE) need PostgreSQL")


def _run_together(jobs) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list = []
    failures: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            results.append(job())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, failures


def test_an_approval_and_a_rejection_at_once_leave_one_decision(postgres_only, org):
    incentive = incentives.incentive_propose(
        by=org.manager_a.user,
        agent=org.agent_a1.user,
        kind="bonus",
        amount="500",
        period=MARCH,
        reason="第一",
    )
    results, failures = _run_together(
        [
            lambda: incentives.incentive_approve(by=org.head.user, incentive=incentive),
            lambda: incentives.incentive_reject(
                by=org.admin.user, incentive=incentive, note="不同意"
            ),
        ]
    )
    assert len(results) == 1 and len(failures) == 1
    assert isinstance(failures[0], ValidationError) and "status" in failures[0].message_dict
    incentive.refresh_from_db()
    assert incentive.status == results[0].status
    assert incentive.status in (Incentive.Status.APPROVED, Incentive.Status.REJECTED)


def test_two_plans_opened_at_once_keep_one(postgres_only, org):
    due = timezone.localdate() + dt.timedelta(days=30)

    def open_by(member):
        return lambda: improvement.improvement_plan_open(
            by=member.user, agent=org.agent_a1.user, reason="低", goals="提升", due_on=due
        )

    results, failures = _run_together([open_by(org.manager_a), open_by(org.head)])
    assert len(results) == 1 and len(failures) == 1
    assert isinstance(failures[0], ValidationError) and "agent" in failures[0].message_dict
    assert ImprovementPlan.objects.filter(agent=org.agent_a1.user, status="open").count() == 1

"""The reclaim sweep's PostgreSQL statements do what their ORM references do.

Given owned leads of two agents, some due a warning and some stale, when the warn and
reclaim steps run once as the SQL fast path and once as the ORM reference on the same
data (each inside a savepoint that is then rolled back), then both return the same counts
and leave the same leads and history rows behind.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from leads.db import pool as pool_db
from leads.models import Assignment, Lead, LeadStatus
from leads.services.pool import owned_open_leads
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        unavailable("the pool's fast paths run on PostgreSQL")


NOW = timezone.now()


class _Undo(Exception):
    pass


def _outcome(step) -> tuple:
    """What `step()` returned and wrote, then undone."""
    try:
        with transaction.atomic():
            returned = step()
            leads = list(
                Lead.objects.order_by("pk").values_list(
                    "pk", "owner_id", "team_id", "assigned_at", "reclaim_warned_at", "status"
                )
            )
            history = list(
                Assignment.objects.order_by("lead_id").values_list(
                    "lead_id", "kind", "from_user_id", "to_user_id", "team_id", "reason", "at"
                )
            )
            raise _Undo
    except _Undo:
        pass
    return returned, leads, history


@pytest.fixture
def leads(org):
    days_ago = [1, 6.5, 8, 10]
    made = []
    for agent in (org.agent_a1.user, org.agent_a2.user):
        for days in days_ago:
            at = NOW - dt.timedelta(days=days)
            made.append(LeadFactory(owner=agent, team=org.team_a, assigned_at=at))
    # A closed lead is never touched, however old.
    LeadFactory(
        owner=org.agent_a1.user,
        team=org.team_a,
        assigned_at=NOW - dt.timedelta(days=30),
        status=LeadStatus.WON,
    )
    return made


def test_warning_writes_the_same_rows(leads):
    def due():
        return owned_open_leads().filter(clock__lt=NOW - dt.timedelta(days=6))

    sql = _outcome(lambda: pool_db.warn_sql(due(), now=NOW))
    orm = _outcome(lambda: pool_db.warn_orm(due(), now=NOW))
    assert sql == orm
    assert sum(sql[0].values()) == 6


def test_reclaiming_writes_the_same_rows(leads):
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        reclaim_warned_at=NOW - dt.timedelta(days=2)
    )

    def stale():
        return (
            owned_open_leads()
            .filter(clock__lt=NOW - dt.timedelta(days=7))
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("pk", "owner_id", "team_id")
        )

    sql = _outcome(lambda: pool_db.reclaim_sql(stale(), reason="无跟进", now=NOW))
    orm = _outcome(lambda: pool_db.reclaim_orm(stale(), reason="无跟进", now=NOW))
    assert sql == orm
    assert sum(sql[0].values()) == 4
    assert {row[1] for row in sql[2]} == {Assignment.Kind.RECLAIM}

"""The orders fast paths (`orders.db`) give exactly their ORM references' rows, on the
same PostgreSQL data: given orders sold in several teams and outside the seller's team,
every page of a manager's or head's list merged from per-branch index reads is the plain
sorted page."""

from __future__ import annotations

import pytest
from django.db import connection

from crm import access
from orders import db, selectors
from orders.models import Order
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order
from tests.support import unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("the orders fast paths run on PostgreSQL")


@pytest.fixture
def sales(org, catalog):
    lead = LeadFactory(owner=org.manager_a.user, team=org.team_b)  # sold outside their team
    take_order(org.manager_a, lead=lead)
    Order.objects.filter(lead=lead).update(team=org.team_b)
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1, org.manager_a):
        for _ in range(3):
            take_order(member)


@pytest.mark.parametrize("role", ["manager_a", "head", "south_head"])
def test_branch_merge_reads_the_reference_pages(postgres_only, org, sales, role):
    user = getattr(org, role).user
    scope = access.scope_of(user)
    assert db.branches_apply(team_ids=scope.team_ids)
    rows = selectors.team_orders(user)
    for offset, limit in ((0, 1), (0, 4), (4, 4), (7, 3), (8, 50), (0, 100), (200, 5)):
        fast = db.newest_orders_by_branches(
            rows, team_ids=scope.team_ids, user_id=scope.user_id, offset=offset, limit=limit
        )
        reference = db.newest_orders_reference(rows, offset=offset, limit=limit)
        assert [o.pk for o in fast] == [o.pk for o in reference], (offset, limit)


def test_branch_merge_honours_the_list_filters(postgres_only, org, sales):
    user = org.head.user
    scope = access.scope_of(user)
    rows = selectors.team_orders(user, filters={"team": org.team_a})
    fast = db.newest_orders_by_branches(
        rows, team_ids=scope.team_ids, user_id=scope.user_id, offset=0, limit=50
    )
    reference = db.newest_orders_reference(rows, offset=0, limit=50)
    assert [o.pk for o in fast] == [o.pk for o in reference]
    assert reference and {o.team_id for o in reference} == {org.team_a.pk}


def test_scopes_without_branches_read_the_reference(org):
    assert not db.branches_apply(team_ids=[])
    assert not db.branches_apply(team_ids=range(db.MAX_BRANCHES + 1))

"""Long lists count only as far as anyone pages (crm.pagination.CappedPaginator)."""

import pytest

from crm.pagination import CappedPaginator
from leads.models import Lead
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_under_the_cap_it_is_an_ordinary_paginator():
    LeadFactory.create_batch(7)
    paginator = CappedPaginator(Lead.objects.order_by("pk"), 3, cap=10)
    assert paginator.count == 7 and not paginator.capped and paginator.num_pages == 3
    assert [len(paginator.page(n)) for n in (1, 2, 3)] == [3, 3, 1]


def test_over_the_cap_it_counts_to_the_cap_and_serves_its_pages():
    LeadFactory.create_batch(12)
    paginator = CappedPaginator(Lead.objects.order_by("pk"), 3, cap=7)
    assert paginator.count == 8 and paginator.capped
    assert paginator.num_pages == 3  # pages up to the cap
    assert len(paginator.get_page(3)) == 2  # rows 7 and 8: counting stopped there
    assert paginator.get_page(99).number == 3


def test_the_pool_page_says_more_than(org, client_as, settings):
    from leads.views import team

    LeadFactory.create_batch(4, owner=None, team=org.team_a)
    original = team.CappedPaginator

    class Tiny(original):
        def __init__(self, rows, per_page, **kwargs):
            super().__init__(rows, 2, cap=3)

    team.CappedPaginator = Tiny
    try:
        body = client_as(org.agent_a1).get("/leads/pool/").content.decode()
    finally:
        team.CappedPaginator = original
    assert "1–2 of more than 3" in body

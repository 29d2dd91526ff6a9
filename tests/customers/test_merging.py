"""Merging two customers moves leads (with their orders, tickets and revisits) and the
contacts the kept one lacks, takes the chosen values, is recorded, and undoes exactly."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.models import Revisit, ServiceTicket
from customers.models import Contact, Customer, Merge
from customers.services.merging import customers_merge, merge_undo
from customers.services.tiers import tiers_recompute
from leads.models import Lead
from orders.models import Order
from risk.models import AuditEntry
from tests.aftersales.factories import RevisitFactory, TicketFactory, delivered_order
from tests.customers.factories import ContactFactory, won_customer

pytestmark = pytest.mark.django_db


def _snapshot():
    """Everything a merge touches, as plain values."""
    return {
        "leads": sorted(Lead.objects.values_list("pk", "customer_id")),
        "contacts": sorted(Contact.objects.values_list("pk", "customer_id", "kind", "value")),
        "customers": sorted(
            Customer.objects.values_list(
                "pk",
                "kind",
                "name",
                "company",
                "notes",
                "owner_id",
                "team_id",
                "merged_into_id",
                "tier_id",
                "order_count",
                "money_total",
                "last_order_at",
            )
        ),
        "orders": sorted(Order.objects.values_list("pk", "lead_id")),
        "tickets": sorted(ServiceTicket.objects.values_list("pk", "lead_id")),
        "revisits": sorted(Revisit.objects.values_list("pk", "lead_id", "order_id")),
    }


@pytest.fixture
def pair(org):
    kept = won_customer(org.agent_a1, name="张伟", email="zw@example.com")
    other = won_customer(org.agent_a2, name="张伟（公司）", company="伟业", wechat="zw_wechat")
    # Duplicates come from imports and backfills: both hold the same email.
    ContactFactory(customer=other, kind="email", value="zw@example.com")
    # Customer `other` has an order with a revisit, and a ticket.
    order = delivered_order(org.agent_a2, lead=other.origin_lead)
    RevisitFactory(order=order)
    TicketFactory(lead=other.origin_lead, order=order)
    return kept, other


def test_merge_moves_everything_and_records_it(org, pair):
    kept, other = pair
    other_lead = other.origin_lead
    merge = customers_merge(
        winner=kept, loser=other, by=org.manager_a.user, choices={"company": "loser"}
    )
    assert set(Lead.objects.filter(customer=kept).values_list("pk", flat=True)) == {
        kept.origin_lead_id,
        other_lead.pk,
    }
    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.company == "伟业" and kept.name == "张伟"
    assert other.merged_into == kept
    # The shared email stays with the merged-in customer; the others move.
    assert set(kept.contacts.values_list("kind", "value")) >= {
        ("phone", other_lead.phone),
        ("wechat", "zw_wechat"),
        ("email", "zw@example.com"),
    }
    assert kept.order_count == 1
    assert merge.by == org.manager_a.user
    assert merge.moved["leads"] == [other_lead.pk]
    assert merge.moved["orders"] == list(other_lead.orders.values_list("pk", flat=True))
    assert len(merge.moved["tickets"]) == 1 and len(merge.moved["revisits"]) == 1
    assert len(merge.moved["contacts"]) == 2
    assert merge.fields == {"company": {"before": "", "after": "伟业"}}
    assert AuditEntry.objects.filter(
        model_label="customers.customer", object_id=f"merge:{merge.pk}"
    ).exists()


def test_undo_leaves_nothing_behind(org, pair):
    kept, other = pair
    tiers_recompute()  # the figures as last night's run left them
    before = _snapshot()
    merge = customers_merge(
        winner=kept,
        loser=other,
        by=org.manager_a.user,
        choices={"name": "loser", "company": "loser", "owner": "loser", "team": "loser"},
    )
    assert _snapshot() != before
    merge_undo(merge=merge, by=org.head.user)
    assert _snapshot() == before
    merge.refresh_from_db()
    assert merge.undone_by == org.head.user and merge.undone_at is not None
    with pytest.raises(ValidationError) as error:
        merge_undo(merge=merge, by=org.head.user)
    assert "merge" in error.value.message_dict


def test_refused_merges(org, pair):
    kept, other = pair
    with pytest.raises(ValidationError) as error:
        customers_merge(winner=kept, loser=kept, by=org.manager_a.user)
    assert "loser" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        customers_merge(winner=kept, loser=other, by=org.manager_a.user, choices={"tier": "loser"})
    assert "tier" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        customers_merge(winner=kept, loser=other, by=org.manager_a.user, choices={"name": "x"})
    assert "name" in error.value.message_dict
    customers_merge(winner=kept, loser=other, by=org.manager_a.user)
    with pytest.raises(ValidationError):
        customers_merge(winner=kept, loser=other, by=org.manager_a.user)


def test_undo_waits_for_a_later_merge_of_the_kept_customer(org, pair):
    kept, other = pair
    third = won_customer(org.agent_a1)
    first = customers_merge(winner=kept, loser=other, by=org.manager_a.user)
    second = customers_merge(winner=third, loser=kept, by=org.manager_a.user)
    with pytest.raises(ValidationError):
        merge_undo(merge=first, by=org.manager_a.user)
    merge_undo(merge=second, by=org.manager_a.user)
    merge_undo(merge=first, by=org.manager_a.user)
    assert not Merge.objects.filter(undone_at__isnull=True).exists()
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0

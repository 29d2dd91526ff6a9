"""Customers pages and API: scoped like leads (another team's customer is 404), search by
phone through the contact index, the merge screen and undo, tiers kept by admins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, Merge, Tier
from customers.selectors import HISTORY_LIMIT, HISTORY_PAGE, customer_history
from customers.services.merging import customers_merge
from orders.models import PaymentMethod
from orders.services.payments import payment_record
from tests.aftersales.factories import delivered_order
from tests.customers.factories import ContactFactory, TierFactory, won_customer
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/customers/"
TIERS = "/api/customers/tiers/"
MERGES = "/api/customers/merges/"


@pytest.fixture
def customers(org):
    return {
        key: won_customer(getattr(org, f"agent_{key}"), name=f"客户{key}")
        for key in ("a1", "a2", "b1", "c1")
    }


@pytest.mark.parametrize(
    "role, keys",
    [
        ("agent_a1", {"a1"}),
        ("manager_a", {"a1", "a2"}),
        ("south_head", {"c1"}),
        ("head", {"a1", "a2", "b1", "c1"}),
        ("admin", {"a1", "a2", "b1", "c1"}),
        ("inspector", {"a1", "a2", "b1", "c1"}),
    ],
)
def test_customers_follow_the_scope(org, customers, api_as, client_as, role, keys):
    api = api_as(getattr(org, role))
    listed = {row["id"] for row in api.get(CUSTOMERS).json()["results"]}
    assert listed == {c.pk for k, c in customers.items() if k in keys}
    for key, customer in customers.items():
        expected = 200 if key in keys else 404
        assert api.get(f"{CUSTOMERS}{customer.pk}/").status_code == expected
        page = client_as(getattr(org, role)).get(reverse("customers:detail", args=[customer.pk]))
        assert page.status_code == expected


def test_search_by_phone_email_and_name(org, customers, api_as):
    target = customers["a1"]
    api = api_as(org.admin)
    national = target.origin_lead.phone[3:]
    for q in (national, f"+86 {national[:3]} {national[3:7]} {national[7:]}", "客户a1"):
        rows = api.get(CUSTOMERS, {"q": q}).json()["results"]
        assert [row["id"] for row in rows] == [target.pk], q
    assert api.get(CUSTOMERS, {"q": "+8613000000000"}).json()["results"] == []
    # An agent cannot find another team's customer by its number.
    rows = api_as(org.agent_b1).get(CUSTOMERS, {"q": national}).json()["results"]
    assert rows == []


def test_customer_list_reads_a_constant_number_of_queries(
    org, customers, client_as, django_assert_max_num_queries
):
    client = client_as(org.admin)
    client.get(reverse("customers:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("customers:list"))
    for key in ("x1", "x2", "x3"):
        won_customer(org.agent_a1, name=f"更多{key}")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("customers:list"))


def test_the_customer_page_shows_leads_orders_and_tier(org, customers, client_as):
    customer = customers["a1"]
    tier = TierFactory(name="钻石")
    Customer.objects.filter(pk=customer.pk).update(tier=tier)
    order = delivered_order(org.agent_a1, lead=customer.origin_lead)
    page = client_as(org.agent_a1).get(reverse("customers:detail", args=[customer.pk]))
    html = page.content.decode()
    assert order.number in html and "钻石" in html and 'id="new-order"' in html
    assert 'id="payments-card"' in html and "No payments." in html
    payment_record(
        order=order,
        by=order.agent,
        amount=order.total,
        method=PaymentMethod.WECHAT,
        paid_on=timezone.localdate(),
        reference="WX-778",
    )
    html = client_as(org.agent_a1).get(reverse("customers:detail", args=[customer.pk])).content
    assert b"WX-778" in html and str(order.total).encode() in html
    lead_page = client_as(org.agent_a1).get(reverse("leads:detail", args=[customer.origin_lead_id]))
    assert 'id="lead-tier"' in lead_page.content.decode()
    new_order = client_as(org.agent_a1).get(reverse("customers:new_order", args=[customer.pk]))
    assert new_order.status_code == 302
    assert new_order["Location"] == reverse("orders:create", args=[customer.origin_lead_id])


def test_add_a_contact_page_and_api(org, customers, client_as, api_as):
    customer = customers["a1"]
    response = client_as(org.agent_a1).post(
        reverse("customers:contact_add", args=[customer.pk]), {"kind": "phone", "value": "12"}
    )
    assert response.status_code == 400
    response = client_as(org.agent_a1).post(
        reverse("customers:contact_add", args=[customer.pk]),
        {"kind": "email", "value": "Boss@Corp.cn"},
    )
    assert response.status_code == 302
    assert customer.contacts.filter(value="boss@corp.cn").exists()
    api = api_as(org.agent_a1)
    response = api.post(f"{CUSTOMERS}{customer.pk}/contacts/", {"kind": "wechat", "value": "a b"})
    assert response.status_code == 400 and "value" in response.json()
    # Another agent (same team) does not own it: 404 as for a missing customer.
    api = api_as(org.agent_a2)
    assert (
        api.post(
            f"{CUSTOMERS}{customer.pk}/contacts/", {"kind": "wechat", "value": "x"}
        ).status_code
        == 404
    )


def test_merge_screen_and_undo(org, customers, client_as):
    kept, other = customers["a1"], customers["a2"]
    ContactFactory(customer=other, kind="email", value="dup@example.com")
    ContactFactory(customer=kept, kind="email", value="dup@example.com")
    client = client_as(org.manager_a)
    page = client.get(reverse("customers:duplicates_panel", args=[kept.pk]))
    assert f'data-duplicate="{other.pk}"' in page.content.decode()
    assert other.pk in [c.pk for c, _why in page.context["duplicates"]]
    dupes = client.get(reverse("customers:duplicates"))
    assert f'data-pair="{kept.pk}-{other.pk}"' in dupes.content.decode()
    screen = client.get(reverse("customers:merge", args=[kept.pk, other.pk]))
    assert screen.status_code == 200
    response = client.post(
        reverse("customers:merge", args=[kept.pk, other.pk]),
        {
            "kind": "winner",
            "name": "loser",
            "company": "winner",
            "notes": "winner",
            "owner": "winner",
            "team": "winner",
        },
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.name == "客户a2"
    merge = Merge.objects.get()
    assert client.get(reverse("customers:detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("customers:merge_undo", args=[merge.pk]))
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.name == "客户a1"
    assert client.get(reverse("customers:detail", args=[other.pk])).status_code == 200
    # Agents do not merge.
    agent = client_as(org.agent_a1)
    assert agent.get(reverse("customers:merge", args=[kept.pk, other.pk])).status_code == 403


def test_merge_and_undo_by_api(org, customers, api_as):
    kept, other, far = customers["a1"], customers["a2"], customers["c1"]
    api = api_as(org.manager_a)
    # Out of scope: 400 on the field, as for a missing customer.
    response = api.post(f"{CUSTOMERS}{kept.pk}/merge/", {"loser": far.pk}, format="json")
    assert response.status_code == 400 and "loser" in response.json()
    response = api.post(
        f"{CUSTOMERS}{kept.pk}/merge/",
        {"loser": other.pk, "choices": {"company": "bogus"}},
        format="json",
    )
    assert response.status_code == 400
    response = api.post(
        f"{CUSTOMERS}{kept.pk}/merge/",
        {"loser": other.pk, "choices": {"name": "loser"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    merge_id = response.json()["id"]
    assert response.json()["moved"]["leads"] == [other.origin_lead_id]
    assert api.get(f"{MERGES}{merge_id}/").status_code == 200
    assert api_as(org.agent_a1).post(f"{MERGES}{merge_id}/undo/").status_code == 403
    api = api_as(org.manager_a)
    assert api.post(f"{MERGES}{merge_id}/undo/").status_code == 200
    response = api.post(f"{MERGES}{merge_id}/undo/")
    assert response.status_code == 400 and "merge" in response.json()
    # A merge of another team's customers is not there for this manager.
    merge = customers_merge(winner=far, loser=customers["b1"], by=org.admin.user)
    assert api.get(f"{MERGES}{merge.pk}/").status_code == 404


def test_tiers_are_kept_by_admins(org, api_as, django_capture_on_commit_callbacks):
    assert api_as(org.agent_a1).get(TIERS).status_code == 200
    body = {
        "name": "VIP",
        "priority": 1,
        "within_days": 365,
        "min_orders": 3,
        "min_money": "10000.00",
        "is_active": True,
    }
    assert api_as(org.manager_a).post(TIERS, body, format="json").status_code == 403
    api = api_as(org.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(TIERS, body, format="json")
    assert response.status_code == 201
    assert len(callbacks) == 1  # the recompute is queued
    tier = Tier.objects.get(name="VIP")
    assert tier.min_money == Decimal("10000.00")
    response = api.patch(f"{TIERS}{tier.pk}/", {"min_orders": -1}, format="json")
    assert response.status_code == 400 and "min_orders" in response.json()
    assert api.delete(f"{TIERS}{tier.pk}/").status_code == 204


def test_the_history_shows_the_newest_events_and_older_ones_on_demand(org, customers, client_as):
    customer = customers["a1"]
    now = timezone.now()
    older = HISTORY_PAGE + 10
    for n in range(older):
        CallFactory(
            lead=customer.origin_lead,
            started_at=now - dt.timedelta(minutes=n + 1),
            duration_seconds=1000 + n,
        )
    client = client_as(org.agent_a1)
    url = reverse("customers:detail", args=[customer.pk])
    page = client.get(url)
    html = page.content.decode()
    assert len(page.context["history"].events) == HISTORY_PAGE
    assert "1000s" in html and f"{1000 + older - 1}s" not in html
    assert f'href="?events={2 * HISTORY_PAGE}#history-card"' in html
    everything = customer_history(customer, events=HISTORY_LIMIT).events
    assert HISTORY_PAGE < len(everything) <= 2 * HISTORY_PAGE
    page = client.get(url, {"events": 2 * HISTORY_PAGE})
    html = page.content.decode()
    assert page.context["history"].events == everything
    assert f"{1000 + older - 1}s" in html and 'id="history-more"' not in html
    # A number by hand is rounded to whole pages; nonsense shows the first page.
    assert len(client.get(url, {"events": "7"}).context["history"].events) == HISTORY_PAGE
    assert len(client.get(url, {"events": "x"}).context["history"].events) == HISTORY_PAGE


def test_the_customer_page_reads_a_constant_number_of_queries(
    org, customers, client_as, django_assert_max_num_queries
):
    customer = customers["a1"]
    client = client_as(org.agent_a1)
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(3):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, customer=customer)
        FollowUpFactory(lead=lead)
        CallFactory(lead=lead)
        delivered_order(org.agent_a1, lead=lead)
    with django_assert_max_num_queries(len(few)):
        client.get(url)

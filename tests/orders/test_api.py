"""The order API: products (read for staff, written by admins), orders within the scope,
taking an order from a lead, editing a draft, and every move as a POST action answering
400 with the field when refused. Lists read a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import LeadStatus
from orders.models import Approval, OrderStatus, Product, SalesEntry
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(org, catalog):
    return {
        "a1": take_order(org.agent_a1, discount="100"),
        "a2": take_order(org.agent_a2),
        "b1": take_order(org.agent_b1),
        "c1": take_order(org.agent_c1),
    }


SEES = {
    "agent_a1": {"a1"},
    "agent_b1": {"b1"},
    "manager_a": {"a1", "a2"},
    "south_head": {"c1"},
    "head": {"a1", "a2", "b1", "c1"},
    "admin": {"a1", "a2", "b1", "c1"},
    "inspector": {"a1", "a2", "b1", "c1"},
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_orders_list_and_detail_follow_the_scope(org, orders, api_as, role):
    api = api_as(getattr(org, role))
    body = api.get("/api/orders/").json()
    listed = {row["id"] for row in body["results"]}
    assert listed == {orders[key].pk for key in SEES[role]}
    for key, order in orders.items():
        response = api.get(f"/api/orders/{order.pk}/")
        assert response.status_code == (200 if key in SEES[role] else 404), (role, key)
    # A move on an order out of scope is 404 too.
    for key, order in orders.items():
        if key not in SEES[role]:
            assert api.post(f"/api/orders/{order.pk}/confirm/", {}).status_code == 404


def test_the_detail_has_lines_events_and_allowed_moves_without_the_raw_phone(org, orders, api_as):
    order = orders["a1"]
    body = api_as(org.agent_a1).get(f"/api/orders/{order.pk}/").json()
    assert body["number"] == order.number and body["approval"] == "pending"
    assert body["allowed_moves"] == ["confirmed", "cancelled"]
    assert body["lines"][0]["amount"] == "900.00"
    assert [event["kind"] for event in body["events"]][-1] == "created"
    assert body["customer_phone_masked"] == order.lead.phone_masked
    assert order.lead.phone not in str(body)


def test_taking_an_order_from_a_lead(org, catalog, api_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    response = api_as(org.agent_a1).post(
        "/api/orders/",
        {
            "lead": lead.pk,
            "lines": [{"product": catalog["broadband"].pk, "quantity": 2, "discount": "10"}],
            "payment_terms": "net_30",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == "1990.00" and body["agent"] == org.agent_a1.user.pk
    assert body["team"] == org.team_a.pk and body["status"] == "draft"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": 1}]}, "lines"),
        ({"lines": [{"product": "P", "quantity": 0}]}, "lines"),
        ({"expected_delivery_on": "2000-01-01"}, "expected_delivery_on"),
        ({"lead": 999999}, "lead"),
    ],
)
def test_a_bad_order_is_400_naming_the_field(org, catalog, api_as, payload, field):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    data = {"lead": lead.pk, "lines": [{"product": catalog["broadband"].pk, "quantity": 1}]}
    data.update(payload)
    if data["lines"] and data["lines"][0].get("product") == "P":
        data["lines"][0]["product"] = catalog["broadband"].pk
    response = api_as(org.agent_a1).post("/api/orders/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_lead_out_of_scope_is_an_unknown_lead(org, catalog, api_as):
    lead = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
    response = api_as(org.agent_a1).post(
        "/api/orders/",
        {"lead": lead.pk, "lines": [{"product": catalog["broadband"].pk, "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 400 and "lead" in response.json()


def test_inspectors_write_nothing(org, orders, catalog, api_as):
    api = api_as(org.inspector)
    assert api.post(f"/api/orders/{orders['a2'].pk}/confirm/", {}).status_code == 403
    assert api.post(f"/api/orders/{orders['a1'].pk}/approve/", {}).status_code == 403


def test_the_whole_journey_through_the_api(org, orders, api_as):
    order = orders["a1"]
    agent = api_as(org.agent_a1)
    response = agent.post(f"/api/orders/{order.pk}/confirm/", {})
    assert response.status_code == 400 and "approval" in response.json()
    assert agent.post(f"/api/orders/{order.pk}/approve/", {}).status_code == 403  # an agent
    manager = api_as(org.manager_a)
    response = manager.post(f"/api/orders/{order.pk}/approve/", {"reason": "老客户"})
    assert response.status_code == 200 and response.json()["approval"] == Approval.APPROVED
    agent = api_as(org.agent_a1)
    steps = [
        ("confirm", {}, "confirmed"),
        ("process", {"paid": True}, "processing"),
        ("ship", {"tracking_number": "SF123"}, "shipped"),
        ("deliver", {}, "delivered"),
        ("complete", {}, "completed"),
    ]
    for name, data, status in steps:
        response = agent.post(f"/api/orders/{order.pk}/{name}/", data, format="json")
        assert response.status_code == 200, (name, response.json())
        assert response.json()["status"] == status
    response = agent.post(f"/api/orders/{order.pk}/refund/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = agent.post(f"/api/orders/{order.pk}/refund/", {"reason": "退货"}, format="json")
    assert response.status_code == 200
    assert sum(SalesEntry.objects.filter(order=order).values_list("amount", flat=True)) == 0


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("process", {}, "status"),
        ("ship", {"tracking_number": "SF1"}, "status"),
        ("deliver", {}, "status"),
        ("complete", {}, "status"),
        ("refund", {"reason": "x"}, "status"),
        ("cancel", {}, "reason"),
        ("reject", {"reason": "x"}, "approval"),
    ],
)
def test_illegal_moves_are_400_naming_the_field(org, orders, api_as, action, data, field):
    order = orders["a2"]
    response = api_as(org.manager_a).post(f"/api/orders/{order.pk}/{action}/", data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_editing_a_draft(org, orders, catalog, api_as):
    order = orders["a1"]
    response = api_as(org.agent_a1).patch(
        f"/api/orders/{order.pk}/",
        {"lines": [{"product": catalog["cloud"].pk, "quantity": 2}], "notes": "改"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["total"] == "501.00" and response.json()["approval"] == "not_needed"


def test_filters_narrow_the_scope(org, orders, api_as):
    api = api_as(org.manager_a)
    ids = lambda **q: {row["id"] for row in api.get("/api/orders/", q).json()["results"]}  # noqa: E731
    assert ids(approval="pending") == {orders["a1"].pk}
    assert ids(agent=org.agent_b1.user.pk) == set()  # out of scope stays out
    assert ids(status="draft") == {orders["a1"].pk, orders["a2"].pk}
    assert ids(overdue="true") == set()


def test_the_order_list_reads_a_fixed_number_of_queries(org, catalog, api_as):
    api = api_as(org.manager_a)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/orders/").status_code == 200
        return len(captured)

    take_order(org.agent_a1)
    few = count()
    for _ in range(5):
        take_order(org.agent_a2, discount="100")
    assert count() == few


# --- products -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent_a1", "manager_a", "inspector", "admin"])
def test_all_staff_read_the_catalog(org, catalog, api_as, role):
    body = api_as(getattr(org, role)).get("/api/products/").json()
    assert {row["sku"] for row in body["results"]} == {"BB-1", "CL-1"}


@pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector"])
def test_only_admins_keep_the_catalog(org, catalog, api_as, role):
    api = api_as(getattr(org, role))
    data = {"sku": "NEW", "name": "新品", "list_price": "10.00"}
    assert api.post("/api/products/", data).status_code == 403
    response = api.patch(f"/api/products/{catalog['cloud'].pk}/", {"is_active": False})
    assert response.status_code == 403


def test_an_admin_adds_and_retires_a_product(org, catalog, api_as):
    api = api_as(org.admin)
    response = api.post(
        "/api/products/", {"sku": "TM-1", "name": "商标注册", "list_price": "980.00"}
    )
    assert response.status_code == 201, response.json()
    response = api.post("/api/products/", {"sku": "TM-1", "name": "重复", "list_price": "1"})
    assert response.status_code == 400 and "sku" in response.json()
    pk = Product.objects.get(sku="TM-1").pk
    response = api.patch(f"/api/products/{pk}/", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert api.delete(f"/api/products/{pk}/").status_code == 405
    assert Product.objects.get(pk=pk).list_price == Decimal("980.00")

"""Money on the order page and in the API: record a payment (form errors and 400s naming
the field), replace the plan, list an order's payments, and the receivables page/API in
each role's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import PaymentTerms
from orders.services import order_moves
from tests.orders.factories import ProductFactory, take_order

pytestmark = pytest.mark.django_db


def confirmed(member, price="1000.00", **fields):
    order = take_order(member, product=ProductFactory(list_price=price), **fields)
    return order_moves.order_confirm(order=order, by=member.user)


def _post_payment(client, order, **data):
    payload = {
        "kind": "payment",
        "amount": "300",
        "method": "alipay",
        "paid_on": timezone.localdate().isoformat(),
        "reference": "ZFB-1",
        **data,
    }
    return client.post(reverse("orders:payment_create", args=[order.pk]), payload)


def test_the_order_page_records_a_payment_and_shows_schedule_and_payments(org, client_as):
    order = confirmed(org.agent_a1)
    client = client_as(org.agent_a1)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'id="payment-form"' in page and 'id="order-installments"' in page
    response = _post_payment(client, order)
    assert response.status_code == 302
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "ZFB-1" in page and 'id="order-payments"' in page
    assert order.installments.get().paid_amount == Decimal("300")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1000.01"}, "amount"),
        ({"method": "cheque"}, "method"),
        ({"paid_on": ""}, "paid_on"),
    ],
)
def test_a_refused_payment_is_shown_next_to_its_field(org, client_as, data, field):
    order = confirmed(org.agent_a1)
    response = _post_payment(client_as(org.agent_a1), order, **data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not order.payments.exists()


def test_a_plan_not_adding_up_is_refused_on_the_page(org, client_as):
    order = confirmed(org.agent_a1, payment_terms=PaymentTerms.INSTALLMENTS)
    today = timezone.localdate()
    data = {
        "plan-TOTAL_FORMS": "2",
        "plan-INITIAL_FORMS": "0",
        "plan-0-due_on": today.isoformat(),
        "plan-0-amount": "400",
        "plan-1-due_on": (today + dt.timedelta(days=30)).isoformat(),
        "plan-1-amount": "500",
    }
    client = client_as(org.agent_a1)
    response = client.post(reverse("orders:plan_save", args=[order.pk]), data)
    assert response.status_code == 400
    assert 'data-field="installments"' in response.content.decode()
    data["plan-1-amount"] = "600"
    assert client.post(reverse("orders:plan_save", args=[order.pk]), data).status_code == 302
    assert list(order.installments.values_list("amount", flat=True)) == [
        Decimal("400"),
        Decimal("600"),
    ]


def test_an_inspector_sees_the_money_but_gets_no_form(org, client_as):
    order = confirmed(org.agent_a1)
    page = client_as(org.inspector).get(reverse("orders:detail", args=[order.pk])).content
    assert b'id="order-installments"' in page and b'id="payment-form"' not in page


# --- API --------------------------------------------------------------------------------


def test_the_api_records_and_lists_payments_and_replaces_the_plan(org, api_as):
    order = confirmed(org.agent_a1, payment_terms=PaymentTerms.INSTALLMENTS)
    api = api_as(org.agent_a1)
    today = timezone.localdate()
    plan = {
        "installments": [
            {"due_on": (today + dt.timedelta(days=30)).isoformat(), "amount": "500"},
            {"due_on": today.isoformat(), "amount": "500"},
        ]
    }
    response = api.post(f"/api/orders/{order.pk}/installments/", plan, format="json")
    assert response.status_code == 200, response.json()
    assert [row["number"] for row in response.json()["installments"]] == [1, 2]
    payment = {"amount": "700", "method": "wechat", "paid_on": today.isoformat()}
    response = api.post(f"/api/orders/{order.pk}/payments/", payment, format="json")
    assert response.status_code == 201, response.json()
    body = api.get(f"/api/orders/{order.pk}/payments/").json()
    assert (body["paid"], body["balance"], body["is_paid"]) == ("700.00", "300.00", False)
    assert [row["paid_amount"] for row in body["installments"]] == ["500.00", "200.00"]
    assert [row["amount"] for row in body["payments"]] == ["700.00"]
    refund = {"amount": "100", "method": "wechat", "paid_on": today.isoformat()}
    response = api.post(f"/api/orders/{order.pk}/refunds/", refund, format="json")
    assert response.status_code == 201 and response.json()["paid"] == "600.00"


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("payments", {"amount": "0", "method": "cash"}, "amount"),
        ("payments", {"amount": "5000", "method": "cash"}, "amount"),
        ("payments", {"amount": "5", "method": "cheque"}, "method"),
        (
            "installments",
            {"installments": [{"due_on": "2026-12-01", "amount": "1"}]},
            "installments",
        ),
    ],
)
def test_refusals_in_the_api_are_400_naming_the_field(org, api_as, path, data, field):
    order = confirmed(org.agent_a1)
    if path == "payments":
        data = {"paid_on": timezone.localdate().isoformat(), **data}
    response = api_as(org.agent_a1).post(f"/api/orders/{order.pk}/{path}/", data, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_another_agents_order_is_404_for_payments(org, api_as):
    order = confirmed(org.agent_b1)
    api = api_as(org.agent_a1)
    assert api.get(f"/api/orders/{order.pk}/payments/").status_code == 404
    data = {"amount": "1", "method": "cash", "paid_on": timezone.localdate().isoformat()}
    assert api.post(f"/api/orders/{order.pk}/payments/", data).status_code == 404


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("agent_a1", {"agent_a1"}),
        ("manager_a", {"agent_a1", "agent_a2"}),
        ("south_head", {"agent_c1"}),
        ("head", {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}),
        ("admin", {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}),
    ],
)
def test_receivables_page_and_api_follow_the_scope(org, api_as, client_as, role, keys):
    for name in ("agent_a1", "agent_a2", "agent_b1", "agent_c1"):
        confirmed(getattr(org, name))
    expected = {getattr(org, name).user.pk for name in keys}
    member = getattr(org, role)
    body = api_as(member).get("/api/receivables/").json()
    assert {row["key"] for row in body} == expected
    assert all(row["total"] == "1000.00" for row in body)
    page = client_as(member).get(reverse("orders:receivables"))
    assert page.status_code == 200
    html = page.content.decode()
    assert {pk for pk in expected if f'data-key="{pk}"' in html} == expected
    assert api_as(member).get("/api/receivables/?by=team").status_code == 200
    assert api_as(member).get("/api/receivables/?by=planet").status_code == 400

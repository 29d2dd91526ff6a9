"""The order pages as each role sees them: my orders, team orders with approvals waiting,
the order page with its moves and timeline, taking an order from the lead page, editing a
draft, the export. Out of scope answers 404; lists read a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from leads.models import LeadStatus
from orders.models import Approval, Order, OrderStatus
from tests.leads.factories import LeadFactory
from tests.orders.factories import take_order
from tests.orders.moves import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(org, catalog):
    """An order of each agent: a1 (team A, waiting for approval), a2 (A), b1 (B), c1 (C)."""
    return {
        "a1": take_order(org.agent_a1, discount="100"),
        "a2": take_order(org.agent_a2),
        "b1": take_order(org.agent_b1),
        "c1": take_order(org.agent_c1),
    }


# role -> the orders (of `orders`) the role sees on the team page / detail
SEES = {
    "agent_a1": {"a1"},
    "agent_a2": {"a2"},
    "agent_b1": {"b1"},
    "manager_a": {"a1", "a2"},
    "manager_b": {"b1"},
    "manager_c": {"c1"},
    "south_head": {"c1"},
    "head": {"a1", "a2", "b1", "c1"},
    "admin": {"a1", "a2", "b1", "c1"},
    "inspector": {"a1", "a2", "b1", "c1"},
}


def _seen(orders, response) -> set[str]:
    """The orders in the page's main list (not the approvals section or notifications)."""
    text = response.content.decode()
    if 'id="orders"' in text:
        text = text.split('id="orders"')[1]
    return {key for key, order in orders.items() if order.number in text}


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_opens_exactly_the_orders_in_its_scope(org, orders, client_as, role):
    client = client_as(getattr(org, role))
    for key, order in orders.items():
        response = client.get(reverse("orders:detail", args=[order.pk]))
        expected = 200 if key in SEES[role] else 404
        assert response.status_code == expected, (role, key)


@pytest.mark.parametrize("role", ["agent_a1", "agent_a2", "manager_a", "manager_b"])
def test_my_orders_lists_only_the_users_own_sales(org, orders, client_as, role):
    response = client_as(getattr(org, role)).get(reverse("orders:mine"))
    assert response.status_code == 200
    own = (
        {key for key in SEES[role] if role.startswith("agent")}
        if role.startswith("agent")
        else set()
    )
    assert _seen(orders, response) == own


@pytest.mark.parametrize("role", ["head", "admin", "inspector"])
def test_roles_that_do_not_sell_have_no_my_orders(org, client_as, role):
    assert client_as(getattr(org, role)).get(reverse("orders:mine")).status_code == 403


@pytest.mark.parametrize(
    "role", ["manager_a", "manager_b", "manager_c", "south_head", "head", "admin", "inspector"]
)
def test_team_orders_show_the_scope(org, orders, client_as, role):
    response = client_as(getattr(org, role)).get(reverse("orders:team"))
    assert response.status_code == 200
    assert _seen(orders, response) == SEES[role]


@pytest.mark.parametrize("role", ["agent_a1", "agent_b1"])
def test_agents_have_no_team_orders(org, client_as, role):
    assert client_as(getattr(org, role)).get(reverse("orders:team")).status_code == 403


def test_approvals_waiting_for_the_manager(org, orders, client_as):
    response = client_as(org.manager_a).get(reverse("orders:team"))
    section = (
        response.content.decode().split('id="approvals-waiting"')[1].split('id="order-filter"')[0]
    )
    assert orders["a1"].number in section and orders["a2"].number not in section
    other = client_as(org.manager_b).get(reverse("orders:team")).content.decode()
    assert orders["a1"].number not in other
    inspector = client_as(org.inspector).get(reverse("orders:team")).content.decode()
    assert 'id="approvals-waiting"' not in inspector


def test_the_manager_approves_from_the_team_page_and_the_agent_confirms(org, orders, client_as):
    order = orders["a1"]
    client = client_as(org.manager_a)
    response = client.post(reverse("orders:approve", args=[order.pk]), {"next": "team"})
    assert response.status_code == 302 and response.url == reverse("orders:team")
    order.refresh_from_db()
    assert order.approval == Approval.APPROVED
    agent = client_as(org.agent_a1)
    agent.post(reverse("orders:move", args=[order.pk, "confirmed"]))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_a_refusal_needs_a_reason_and_shows_on_the_page(org, orders, client_as):
    order = orders["a1"]
    client = client_as(org.manager_a)
    response = client.post(reverse("orders:reject", args=[order.pk]), {"reason": ""}, follow=True)
    assert "Say why the discount is refused." in response.content.decode()
    client.post(reverse("orders:reject", args=[order.pk]), {"reason": "折扣太大"})
    order.refresh_from_db()
    assert order.approval == Approval.REJECTED
    page = client_as(org.agent_a1).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "折扣太大" in page


@pytest.mark.parametrize("role", ["agent_a1", "agent_a2", "inspector"])
def test_who_may_not_approve_cannot(org, orders, client_as, role):
    client_as(getattr(org, role)).post(reverse("orders:approve", args=[orders["a1"].pk]))
    orders["a1"].refresh_from_db()
    assert orders["a1"].approval == Approval.PENDING


def test_an_out_of_scope_approval_is_404(org, orders, client_as):
    response = client_as(org.manager_b).post(reverse("orders:approve", args=[orders["a1"].pk]))
    assert response.status_code == 404


def test_the_order_page_offers_the_legal_moves_only(org, orders, client_as):
    order = orders["a2"]
    page = client_as(org.agent_a2).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'id="move-confirmed"' in page and 'id="move-cancelled"' in page
    assert 'id="move-shipped"' not in page
    assert 'id="order-timeline"' in page
    inspector = client_as(org.inspector).get(reverse("orders:detail", args=[order.pk]))
    assert 'id="move-confirmed"' not in inspector.content.decode()


def test_moving_through_the_page_and_an_illegal_move_is_explained(org, orders, client_as):
    order = orders["a2"]
    client = client_as(org.agent_a2)
    for to, data in [
        ("confirmed", {}),
        ("processing", {"paid": "on"}),
        ("shipped", {"tracking_number": "SF001"}),
        ("delivered", {}),
    ]:
        response = client.post(reverse("orders:move", args=[order.pk, to]), data)
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.status == to
    response = client.post(
        reverse("orders:move", args=[order.pk, "cancelled"]), {"reason": "x"}, follow=True
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert "cannot become" in response.content.decode()


def test_a_move_by_someone_out_of_scope_is_404(org, orders, client_as):
    response = client_as(org.agent_a1).post(
        reverse("orders:move", args=[orders["a2"].pk, "confirmed"])
    )
    assert response.status_code == 404


def test_delivery_overdue_orders_stand_out(org, orders, client_as):
    Order.objects.filter(pk=orders["a2"].pk).update(
        expected_delivery_on=timezone.localdate() - dt.timedelta(days=1)
    )
    page = client_as(org.agent_a2).get(reverse("orders:mine")).content.decode()
    assert "table-danger" in page and "Delivery overdue" in page
    filtered = client_as(org.manager_a).get(reverse("orders:team"), {"overdue": "on"})
    assert _seen(orders, filtered) == {"a2"}


def test_list_filters(org, orders, client_as):
    client = client_as(org.admin)
    assert _seen(orders, client.get(reverse("orders:team"), {"approval": "pending"})) == {"a1"}
    response = client.get(reverse("orders:team"), {"agent": org.agent_b1.user.pk})
    assert _seen(orders, response) == {"b1"}
    bring_to(orders["c1"], OrderStatus.CONFIRMED, org.agent_c1.user)
    assert _seen(orders, client.get(reverse("orders:team"), {"status": "confirmed"})) == {"c1"}
    today = timezone.localdate()
    response = client.get(reverse("orders:team"), {"created_from": today + dt.timedelta(days=1)})
    assert _seen(orders, response) == set()
    response = client.get(reverse("orders:team"), {"created_to": today.isoformat()})
    assert _seen(orders, response) == set(orders)
    # An agent of another team is not a choice: the filter is ignored, never widened.
    response = client_as(org.manager_b).get(reverse("orders:team"), {"agent": org.agent_a1.user.pk})
    assert _seen(orders, response) == {"b1"}


def _queries_for(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("role", "url"),
    [("agent_a1", "orders:mine"), ("manager_a", "orders:team"), ("admin", "orders:team")],
)
def test_lists_read_a_fixed_number_of_queries(
    org, catalog, client_as, role, url, django_assert_max_num_queries
):
    client = client_as(getattr(org, role))
    take_order(org.agent_a1, discount="100")
    take_order(org.agent_a1)
    few = _queries_for(client, reverse(url), django_assert_max_num_queries)
    for _ in range(6):
        take_order(org.agent_a1, discount="100")
        take_order(org.agent_a1)
    many = _queries_for(client, reverse(url), django_assert_max_num_queries)
    assert many == few
    assert many <= 12


def test_lists_page_without_counting(org, catalog, client_as):
    from orders import selectors

    for _ in range(3):
        take_order(org.agent_a1)
    rows = selectors.my_orders(org.agent_a1.user)
    first = selectors.page_of(rows, 1, size=2)
    assert len(first) == 2 and first.has_next and not first.has_previous
    second = selectors.page_of(rows, 2, size=2)
    assert len(second) == 1 and not second.has_next and second.has_previous
    assert selectors.page_of(rows, "junk", size=2).number == 1


# --- taking an order from the lead page -----------------------------------------------------


def test_the_lead_page_offers_create_order_to_who_works_it(org, catalog, client_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    url = reverse("leads:detail", args=[lead.pk])
    assert 'id="create-order"' in client_as(org.agent_a1).get(url).content.decode()
    assert 'id="create-order"' in client_as(org.manager_a).get(url).content.decode()
    assert 'id="create-order"' not in client_as(org.inspector).get(url).content.decode()


def _line_data(product, *, quantity=1, discount="", unit_price="") -> dict:
    data = {
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-product": product.pk,
        "lines-0-quantity": quantity,
        "lines-0-unit_price": unit_price,
        "lines-0-discount": discount,
        "payment_terms": "prepaid",
        "delivery_address": "上海市",
        "expected_delivery_on": "",
        "notes": "",
    }
    return data


def test_taking_an_order_on_the_lead_page(org, catalog, client_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    client = client_as(org.agent_a1)
    url = reverse("orders:create", args=[lead.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _line_data(catalog["broadband"], quantity=2, discount="50"))
    order = Order.objects.get(lead=lead)
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.pk])
    assert order.total == Decimal("1950.00") and order.agent == org.agent_a1.user
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON
    # The lead's timeline shows the order.
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert order.number in page and 'data-kind="order"' in page


def test_an_order_form_without_lines_is_refused(org, catalog, client_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    data = _line_data(catalog["broadband"])
    data["lines-0-product"] = ""
    response = client_as(org.agent_a1).post(reverse("orders:create", args=[lead.pk]), data)
    assert response.status_code == 200
    assert "Add at least one product." in response.content.decode()
    assert not Order.objects.exists()


def test_a_service_refusal_shows_on_the_form(org, catalog, client_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    data = _line_data(catalog["broadband"], discount="2000")
    response = client_as(org.agent_a1).post(reverse("orders:create", args=[lead.pk]), data)
    assert response.status_code == 200
    assert "the discount is more than the line" in response.content.decode()


def test_a_colleague_cannot_take_an_order_on_a_lead(org, catalog, client_as):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    response = client_as(org.agent_a2).get(reverse("orders:create", args=[lead.pk]))
    assert response.status_code == 404
    response = client_as(org.inspector).post(
        reverse("orders:create", args=[lead.pk]), _line_data(catalog["broadband"])
    )
    assert response.status_code == 302 and not Order.objects.exists()


def test_editing_a_draft_on_its_page(org, orders, catalog, client_as):
    order = orders["a1"]
    client = client_as(org.agent_a1)
    assert client.get(reverse("orders:edit", args=[order.pk])).status_code == 200
    data = _line_data(catalog["cloud"], quantity=2)
    data["lines-INITIAL_FORMS"] = "0"
    client.post(reverse("orders:edit", args=[order.pk]), data)
    order.refresh_from_db()
    assert order.total == Decimal("501.00") and order.approval == Approval.NOT_NEEDED


# --- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager_a", "head", "admin"])
def test_the_export_holds_the_scope_with_masked_phones(org, orders, client_as, role):
    response = client_as(getattr(org, role)).get(reverse("orders:export"), {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert {row[0] for row in rows[1:]} == {orders[key].number for key in SEES[role]}
    for key in SEES[role]:
        assert orders[key].lead.phone not in text
        assert orders[key].lead.phone_masked in text


def test_the_excel_export(org, orders, client_as):
    response = client_as(org.manager_a).get(reverse("orders:export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {orders["a1"].number, orders["a2"].number}


@pytest.mark.parametrize("role", ["agent_a1", "inspector"])
def test_agents_and_inspectors_do_not_export(org, orders, client_as, role):
    assert client_as(getattr(org, role)).get(reverse("orders:export")).status_code == 403


@pytest.mark.parametrize("role", ["manager_a", "head", "south_head", "agent_a1", "admin"])
def test_pages_read_along_the_scopes_indexes_give_the_plain_order(org, catalog, role):
    """`newest_first` merges one branch per team (and the user's own sales): the pages
    are exactly those of the plain, sorted scope, whatever the page."""
    from orders import selectors

    lead = LeadFactory(owner=org.manager_a.user, team=org.team_b)  # sold outside their team
    take_order(org.manager_a, lead=lead)
    Order.objects.filter(lead=lead).update(team=org.team_b)
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1, org.manager_a):
        for _ in range(3):
            take_order(member)
    user = getattr(org, role).user
    rows = selectors.team_orders(user)
    plain = [order.pk for order in rows]
    for offset, limit in ((0, 4), (4, 4), (8, 50), (0, 100)):
        paged = selectors.newest_first(rows, user, offset=offset, limit=limit)
        assert [order.pk for order in paged] == plain[offset : offset + limit]

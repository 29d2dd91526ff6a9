"""Fuzz the order API (`/api/orders/...`, `/api/products/...`) from its OpenAPI schema.

Like the lead API's run (tests/leads/test_api_fuzz.py; shared checks in tests/api_fuzz.py):
schemathesis generates valid and invalid requests for every operation and sends them to
the application in-process with the caller's token. For every answer:

* no server error, writes and moves included;
* the status code is documented or one of DRF's generic errors; documented bodies match;
* the scope holds: an order outside the caller's scope is absent from every list and
  answers 404 (a move on it too); a successful write names only leads the caller sees;
  only administrators change the catalog and inspectors change nothing.

Path ids and the ids in bodies and filters (lead, product, agent, team) are mapped onto
the rows of `order_world`: orders in every state of each team, drafts waiting for an
approval, products active and retired, leads to take orders from.
"""

from __future__ import annotations

import pytest

from crm import access
from crm.models import Member, Role, Team
from leads import access as leads_access
from leads.models import Lead, LeadStatus
from orders import access as orders_access
from orders.models import Order, OrderStatus, Product
from tests.api_fuzz import (
    CHECKS,
    Caller,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.leads.factories import LeadFactory
from tests.orders.factories import ProductFactory, install_limits, take_order
from tests.orders.moves import bring_to

ORDERS_API = r"^/api/(orders|products)/"

schema = load_schema(ORDERS_API)
schema_without_coverage = load_schema(ORDERS_API, coverage=False)

HYPOTHESIS_ADMIN = hypothesis_settings(8)
HYPOTHESIS_STAFF = hypothesis_settings(5)

ROLES = {
    "admin": "admin",
    "inspector": "inspector",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
FOREIGN_KEYS = {"lead": "leads", "product": "products", "agent": "users", "team": "teams"}


@pytest.fixture
def order_world(org):
    install_limits()
    broadband = ProductFactory(sku="BB", list_price="1000.00")
    ProductFactory(sku="OLD", is_active=False)
    cloud = ProductFactory(sku="CL", list_price="99.90")
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1, org.manager_a):
        for status in (OrderStatus.DRAFT, OrderStatus.PROCESSING, OrderStatus.DELIVERED):
            order = take_order(member, product=broadband, quantity=2)
            bring_to(order, status, member.user)
        take_order(member, product=cloud, discount="20")  # waits for approval
        LeadFactory(owner=member.user, team=member.team)  # a lead to take an order from
        LeadFactory(owner=member.user, team=member.team, status=LeadStatus.LOST)


def _caller(org, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    assert member.role == role
    user = member.user
    sees_all = access.scope_of(user).sees_all
    visible_orders = sorted(orders_access.visible_orders(user).values_list("pk", flat=True))
    every_order = sorted(Order.objects.values_list("pk", flat=True))
    if not sees_all:
        assert visible_orders and set(visible_orders) < set(every_order)
    visible_leads = sorted(leads_access.visible_leads(user).values_list("pk", flat=True))
    access.forget_scope(user)
    return Caller(
        role=role,
        user=user,
        headers=token_headers(user),
        sees_all=sees_all,
        ids={
            "orders": visible_orders * 2 + every_order,
            "products": sorted(Product.objects.values_list("pk", flat=True)),
            "leads": visible_leads * 2 + sorted(Lead.objects.values_list("pk", flat=True)),
            "users": sorted(Member.objects.values_list("user_id", flat=True)),
            "teams": sorted(Team.objects.values_list("pk", flat=True)),
        },
    )


@pytest.fixture
def admin_caller(org, order_world):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, order_world):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _map(value, name: str, caller: Caller):
    if name in FOREIGN_KEYS and not isinstance(value, list | dict):
        return real_id(value, caller.ids[FOREIGN_KEYS[name]])
    if name == "lines" and isinstance(value, list):
        for line in value:
            if isinstance(line, dict) and "product" in line:
                line["product"] = real_id(line["product"], caller.ids["products"])
    return value


def _rows_of(path: str) -> str:
    return "products" if path.startswith("/api/products/") else "orders"


def exercise(case, caller: Caller) -> None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in values:
                values[name] = _map(values[name], name, caller)
    path = case.operation.path
    rows = _rows_of(path)
    path_id = None
    params = case.path_parameters or {}
    if "id" in params:
        params["id"] = real_id(params["id"], caller.ids[rows])
        if isinstance(params["id"], int) and 0 <= params["id"] < 2**63:
            path_id = params["id"]
    visible = (
        rows == "orders"
        and path_id is not None
        and orders_access.visible_orders(caller.user).filter(pk=path_id).exists()
    )
    exists = path_id is not None and Order.objects.filter(pk=path_id).exists()
    body = case.body if isinstance(case.body, dict) else {}
    named_lead = body.get("lead") if isinstance(body.get("lead"), int) else None
    lead_visible = (
        named_lead is not None
        and 0 <= named_lead < 2**63
        and leads_access.visible_leads(caller.user).filter(pk=named_lead).exists()
    )
    access.forget_scope(caller.user)

    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)

    status = response.status_code
    method = case.method.upper()
    succeeded = 200 <= status < 300
    if succeeded and method != "GET":
        assert caller.role != Role.INSPECTOR, f"an inspector did {method} {path}"
        if rows == "products":
            assert caller.role == Role.ADMIN, f"a {caller.role} changed the catalog"
        if path == "/api/orders/" and method == "POST":
            assert lead_visible, f"a {caller.role} took an order on a lead out of scope"
    if caller.sees_all or rows != "orders":
        return
    if exists and not visible:
        assert status in ({404} if method == "GET" else {403, 404}), (
            f"a {caller.role} got {status} for order {path_id} outside their scope"
        )
    if succeeded and method == "GET" and "{id}" not in path:
        shown = set(listed_ids(response.json()))
        allowed = set(orders_access.visible_orders(caller.user).values_list("pk", flat=True))
        access.forget_scope(caller.user)
        assert shown <= allowed, f"a {caller.role} was shown orders {sorted(shown - allowed)}"


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_order_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_order_api_as_inspector_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

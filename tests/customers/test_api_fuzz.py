"""Fuzz the customers API (`/api/customers/...`) from its own OpenAPI schema, as each role.

Like the after-sales run (shared checks in tests/api_fuzz.py): no server error ever,
answers as documented, and the scope holds: a customer or merge the caller may not see is
absent from every list and answers 404 (403 where the caller may not write at all), and
only admins change tiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from crm import access
from crm.models import Role
from customers import access as customers_access
from customers.models import Customer, Merge, Tier
from customers.services.merging import customers_merge
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.customers.factories import ContactFactory, TierFactory, won_customer

CUSTOMERS_API = r"^/api/customers/"
schema = load_schema(CUSTOMERS_API)
schema_without_coverage = load_schema(CUSTOMERS_API, coverage=False)

HYPOTHESIS_ADMIN = hypothesis_settings(10)
HYPOTHESIS_STAFF = hypothesis_settings(5)

ROLES = {
    "admin": "admin",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
MODELS = {"customers": Customer, "merges": Merge, "tiers": Tier}
VISIBILITY = {
    "customers": customers_access.visible_customers,
    "merges": customers_access.visible_merges,
    "tiers": customers_access.visible_tiers,
}
FOREIGN_KEYS = {"loser": "customers", "winner": "customers"}


@dataclass
class Caller:
    role: str
    user: object
    headers: dict[str, str]
    sees_all: bool
    ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def customer_rows(org):
    TierFactory(name="VIP", min_orders=1)
    made = {}
    for key in ("a1", "a2", "b1", "c1"):
        member = getattr(org, f"agent_{key}")
        made[key] = [won_customer(member), won_customer(member)]
        ContactFactory(customer=made[key][1], kind="email", value=f"{key}@example.com")
        ContactFactory(customer=made[key][0], kind="email", value=f"{key}@example.com")
    customers_merge(winner=made["a1"][0], loser=made["a2"][1], by=org.manager_a.user)
    customers_merge(winner=made["c1"][0], loser=made["c1"][1], by=org.admin.user)


def _caller(org, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    user = member.user
    caller = Caller(role, user, token_headers(user), access.scope_of(user).sees_all)
    for name, model in MODELS.items():
        everything = sorted(model.objects.values_list("pk", flat=True))
        visible = sorted(VISIBILITY[name](user).values_list("pk", flat=True))
        caller.ids[name] = visible * 2 + everything
    access.forget_scope(user)
    return caller


@pytest.fixture
def admin_caller(org, customer_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, customer_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _rows_of(path: str) -> str:
    part = path.strip("/").split("/")[2:3]
    return part[0] if part and part[0] in ("merges", "tiers") else "customers"


def exercise(case, caller: Caller) -> None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in list(values):
                if name in FOREIGN_KEYS:
                    values[name] = real_id(values[name], caller.ids[FOREIGN_KEYS[name]])
    rows = _rows_of(case.operation.path)
    path_id = None
    params = case.path_parameters or {}
    if "id" in params:
        params["id"] = path_id = real_id(params["id"], caller.ids[rows])
    exists = visible = False
    if isinstance(path_id, int) and 0 <= path_id < 2**63:
        exists = MODELS[rows].objects.filter(pk=path_id).exists()
        visible = VISIBILITY[rows](caller.user).filter(pk=path_id).exists()
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    method = case.method.upper()
    status = response.status_code
    succeeded = 200 <= status < 300
    if succeeded and method != "GET" and rows == "tiers":
        assert caller.role == Role.ADMIN, f"a {caller.role} changed tiers"
    if caller.sees_all:
        return
    if exists and not visible:
        assert status in ({404} if method == "GET" else {403, 404}), (caller.role, status, path_id)
    if succeeded and method == "GET" and path_id is None and rows != "tiers":
        shown = set(listed_ids(response.json()))
        hidden = shown - set(
            VISIBILITY[rows](caller.user).filter(pk__in=shown).values_list("pk", flat=True)
        )
        assert not hidden, f"a {caller.role} was shown {rows} {sorted(hidden)}"


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_customers_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_customers_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

"""Fuzz the customers API (`/api/customers/...`) from its own OpenAPI schema, as each role.

Like the after-sales run (shared checks in tests/api_fuzz.py): no server error ever,
answers as documented, and the scope holds: a customer or merge the caller may not see is
absent from every list and answers 404 (403 where the caller may not write at all), and
only admins change tiers.
"""

from __future__ import annotations

import pytest

from crm import access
from customers import access as customers_access
from customers.models import Customer, Merge, Tier
from customers.services.merging import customers_merge
from tests.api_fuzz import (
    Caller,
    exercise_scoped,
    hypothesis_settings,
    load_schema,
    scoped_caller,
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
    user = getattr(org, ROLES[role]).user
    caller = scoped_caller(user, role, models=MODELS, visibility=VISIBILITY)
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
    exercise_scoped(
        case,
        caller,
        rows=_rows_of(case.operation.path),
        models=MODELS,
        visibility=VISIBILITY,
        foreign_keys=FOREIGN_KEYS,
        admin_only="tiers",
        unlisted=("tiers",),
    )


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_customers_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_customers_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

"""Fuzz the after-sales API (`/api/service/...`) from its own OpenAPI schema, as each role.

Like the lead API's run (tests/leads/test_api_fuzz.py; shared checks in tests/api_fuzz.py):
no server error ever, answers as documented, and the scope holds: a ticket, revisit or
improvement item the caller may not see is absent from every list and answers 404 (403
where the caller may not write at all), and only admins change revisit plans.
"""

from __future__ import annotations

import pytest

from aftersales import access as aftersales_access
from aftersales.models import ImprovementItem, Revisit, RevisitPlan, ServiceTicket
from aftersales.services import revisits
from crm import access
from leads import access as leads_access
from tests.aftersales.factories import delivered_order
from tests.api_fuzz import (
    Caller,
    exercise_scoped,
    hypothesis_settings,
    load_schema,
    scoped_caller,
    wsgi_in_test_transaction,
)

SERVICE_API = r"^/api/service/"
# Ticket SLAs are fuzzed with the other settings (tests/crm/test_api_fuzz_settings.py).
SLAS = r"^/api/service/slas/"
schema = load_schema(SERVICE_API).exclude(path_regex=SLAS)
schema_without_coverage = load_schema(SERVICE_API, coverage=False).exclude(path_regex=SLAS)

HYPOTHESIS_ADMIN = hypothesis_settings(10)
HYPOTHESIS_STAFF = hypothesis_settings(5)

ROLES = {
    "admin": "admin",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
MODELS = {
    "tickets": ServiceTicket,
    "revisits": Revisit,
    "revisit-plans": RevisitPlan,
    "improvements": ImprovementItem,
}
VISIBILITY = {
    "tickets": aftersales_access.visible_tickets,
    "revisits": aftersales_access.visible_revisits,
    "revisit-plans": aftersales_access.visible_revisit_plans,
    "improvements": aftersales_access.visible_improvements,
}
FOREIGN_KEYS = {
    "lead": "leads",
    "order": "orders",
    "assignee": "users",
    "owner": "users",
    "team": "teams",
    "plan": "revisit-plans",
}


@pytest.fixture
def service_rows(org):
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        for _ in range(2):
            order = delivered_order(member)
            first = revisits.revisits_schedule(order=order)[0]
            revisits.revisit_record(revisit=first, by=member.user, reached=True, satisfaction=2)
        from aftersales.services import tickets

        tickets.ticket_open(
            lead=order.lead, order=order, type="repair", subject="坏了", by=member.user
        )
    revisits.improvement_open(title="手工", by=org.manager_c.user)


def _caller(org, role: str) -> Caller:
    from django.contrib.auth import get_user_model

    from crm.models import Team
    from leads.models import Lead
    from orders.models import Order

    user = getattr(org, ROLES[role]).user
    caller = scoped_caller(user, role, models=MODELS, visibility=VISIBILITY)
    caller.ids["leads"] = sorted(
        leads_access.visible_leads(user).values_list("pk", flat=True)
    ) * 2 + sorted(Lead.objects.values_list("pk", flat=True))
    caller.ids["orders"] = sorted(Order.objects.values_list("pk", flat=True))
    caller.ids["users"] = sorted(get_user_model().objects.values_list("pk", flat=True))
    caller.ids["teams"] = sorted(Team.objects.values_list("pk", flat=True))
    access.forget_scope(user)
    return caller


@pytest.fixture
def admin_caller(org, service_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, service_rows):
    with wsgi_in_test_transaction():
        yield _caller(org, request.param)


def _rows_of(path: str) -> str:
    return path.strip("/").split("/")[2]


def exercise(case, caller: Caller) -> None:
    exercise_scoped(
        case,
        caller,
        rows=_rows_of(case.operation.path),
        models=MODELS,
        visibility=VISIBILITY,
        foreign_keys=FOREIGN_KEYS,
        admin_only="revisit-plans",
    )


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_service_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_service_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)

"""Fuzz the settings, risk-log and notification API from the schema, as each role.

Like the other runs (tests/api_fuzz.py): schemathesis sends valid and invalid requests for
every operation of `SETTINGS_API` to the application in-process with the caller's token.
For every answer: no server error; a documented status, content type and body; nobody but
an administrator changes a setting; a log row outside the caller's scope is never listed
nor shown; and a notification is only ever the caller's own.

Path ids and the rows bodies name (`team`, `default_team`, `campaign`) are mapped onto the
`settings_world` rows, so writes reach the serializers' checks and the models' rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aftersales.models import TicketSLA
from crm.access import own_notifications, scope_of
from crm.models import Member, Notification, Role, Team
from leads.inbound_auth import inbound_key_issue
from leads.models import (
    CallingWindow,
    Campaign,
    DispositionRule,
    InboundKey,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from leads.services.capture import scoring_rules_install_defaults
from leads.services.followups import disposition_rules_install_defaults
from orders.models import DiscountLimit
from risk import access as risk_access
from risk.models import AuditEntry, ExportRecord, PhoneReveal, RiskEvent
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    token_headers,
    wsgi_in_test_transaction,
)

SETTINGS_API = (
    r"^/api/(leads/(scoring-rules|routing-rules|disposition-rules|team-settings|"
    r"calling-windows|campaigns|inbound-keys|policy)|discount-limits|service/slas|risk|"
    r"notifications)/"
)
schema = load_schema(SETTINGS_API)
schema_without_coverage = load_schema(SETTINGS_API, coverage=False)

# Set so the file runs in a few minutes on one core; `make fuzz` raises both.
HYPOTHESIS_ADMIN = hypothesis_settings(8)
HYPOTHESIS_STAFF = hypothesis_settings(3)

ROLES = {
    "admin": "admin",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
# (The inspector, refused every write and the logs, is in tests/crm/test_settings_api.py.)
# The path after /api/ (without the id) -> the rows it is about.
RESOURCES = {
    "leads/scoring-rules": ScoringRule,
    "leads/routing-rules": RoutingRule,
    "leads/disposition-rules": DispositionRule,
    "leads/team-settings": TeamLeadSettings,
    "leads/calling-windows": CallingWindow,
    "leads/campaigns": Campaign,
    "leads/inbound-keys": InboundKey,
    "discount-limits": DiscountLimit,
    "service/slas": TicketSLA,
    "risk/audit": AuditEntry,
    "risk/exports": ExportRecord,
    "risk/reveals": PhoneReveal,
    "risk/events": RiskEvent,
    "notifications": Notification,
}
SCOPED = {
    "risk/audit": risk_access.visible_audit_entries,
    "risk/exports": risk_access.visible_exports,
    "risk/reveals": risk_access.visible_reveals,
    "risk/events": risk_access.visible_risk_events,
    "notifications": own_notifications,
}
# Writes anyone may make: on their own notifications.
ANYONE_WRITES = ("/api/notifications/",)
FOREIGN_KEYS = {"team": "teams", "default_team": "teams", "campaign": "campaigns"}


@dataclass
class Caller:
    role: str
    user: object
    headers: dict[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def settings_world(org):
    disposition_rules_install_defaults()
    scoring_rules_install_defaults()
    campaign = Campaign.objects.create(name="双十一", channel="advertising")
    RoutingRule.objects.create(name="上海", region="上海", team=org.team_a)
    TeamLeadSettings.objects.create(team=org.team_b, strategy="round_robin")
    CallingWindow.objects.create(name="工作日", start="09:00", end="20:00")
    inbound_key_issue(name="官网", campaign=campaign)
    DiscountLimit.objects.create(role=Role.AGENT, max_percent="5")
    # The migration's SLAs are there unless a transactional test emptied the tables.
    TicketSLA.objects.update_or_create(priority="urgent", defaults={"resolve_within_hours": 4})
    for member in (org.agent_a1, org.agent_b1, org.agent_c1, org.manager_a, org.admin):
        user = member.user
        ExportRecord.objects.create(user=user, kind="leads", format="csv")
        PhoneReveal.objects.create(user=user, phone_masked="138****8000", purpose="reveal")
        RiskEvent.objects.create(kind="over_cap", user=user)
        Notification.objects.create(user=user, kind="x", key="k1", text="提醒")
        Notification.objects.create(user=user, kind="x", key="k2", text="提醒")
    AuditEntry.objects.create(action="create", model_label="leads.campaign", object_id="1")
    return org


def _caller(org, role: str) -> Caller:
    member: Member = getattr(org, ROLES[role])
    ids = {
        name: sorted(model.objects.values_list("pk", flat=True))
        for name, model in RESOURCES.items()
    }
    ids["teams"] = sorted(Team.objects.values_list("pk", flat=True))
    ids["campaigns"] = ids["leads/campaigns"]
    return Caller(role=role, user=member.user, headers=token_headers(member.user), ids=ids)


@pytest.fixture
def admin_caller(settings_world):
    with wsgi_in_test_transaction():
        yield _caller(settings_world, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, settings_world):
    with wsgi_in_test_transaction():
        yield _caller(settings_world, request.param)


def _resource(path: str) -> str | None:
    """`/api/leads/campaigns/{id}/` -> "leads/campaigns"; `/api/leads/policy/` -> None."""
    rest = path.removeprefix("/api/").split("/{id}")[0].strip("/")
    for name in RESOURCES:
        if rest == name or rest.startswith(f"{name}/"):
            return name
    return None


def _map_ids(case, caller: Caller) -> int | None:
    if isinstance(case.body, dict):
        for name, resource in FOREIGN_KEYS.items():
            if name in case.body:
                case.body[name] = real_id(case.body[name], caller.ids[resource])
    params = case.path_parameters or {}
    resource = _resource(case.operation.path)
    if resource is None or "id" not in params:
        return None
    params["id"] = real_id(params["id"], caller.ids[resource])
    return params["id"] if isinstance(params["id"], int) else None


def check_rules(case, response, caller: Caller, path_id: int | None) -> None:
    status = response.status_code
    method = case.method.upper()
    path = case.operation.path
    succeeded = 200 <= status < 300
    if succeeded and method not in ("GET", "HEAD", "OPTIONS") and caller.role != Role.ADMIN:
        assert path.startswith(ANYONE_WRITES), f"a {caller.role} did {method} {path}: {status}"
    resource = _resource(path)
    if not succeeded or resource not in SCOPED or method != "GET":
        return
    visible = set(SCOPED[resource](caller.user).values_list("pk", flat=True))
    scope_of(caller.user)  # (memoized on the user: the check reads what the view read)
    if path_id is not None:
        assert path_id in visible, f"a {caller.role} was shown {resource} {path_id}"
    hidden = set(listed_ids(response.json())) - visible
    assert not hidden, f"a {caller.role} was shown {resource} {sorted(hidden)}"


def exercise(case, caller: Caller) -> None:
    path_id = _map_ids(case, caller)
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    check_rules(case, response, caller, path_id)


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_settings_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_settings_api_as_everyone_else(case, staff_caller):
    exercise(case, staff_caller)

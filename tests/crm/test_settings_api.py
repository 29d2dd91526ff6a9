"""The center's settings through the API: administrators read and change every one (a bad
value is a 400 naming the field, a change is in the audit trail with its author);
everyone else is refused (403), or reads only what they work by.

One table (`SETTINGS`) drives the tests: a setting's address, a valid row, a change, and
bad inputs with the field each must name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from aftersales.models import TicketSLA
from leads.models import (
    CallingWindow,
    Campaign,
    DispositionRule,
    InboundKey,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from orders.models import DiscountLimit
from risk import audit
from risk.models import AuditEntry, RiskPolicy

OTHER_ROLES = ["inspector", "head", "manager_a", "agent_a1"]


@dataclass
class Setting:
    url: str
    model: type
    create: dict
    change: dict
    bad: list[tuple[dict, str]]
    reads: str = "staff"  # who may read: "staff" (everyone), "admin"
    deletes: bool = True
    patches: bool = True
    # Fields whose answer differs from what was sent (normalised): name -> expected
    answer: dict = field(default_factory=dict)


def settings_table(org) -> dict[str, Setting]:
    return {
        "scoring rules": Setting(
            url="/api/leads/scoring-rules/",
            model=ScoringRule,
            create={"name": "有公司", "kind": "has_field", "value": " company ", "points": 10},
            answer={"value": "company"},
            change={"points": 20},
            bad=[
                ({"name": "x", "kind": "budget_at_least", "value": "lots", "points": 5}, "value"),
                ({"name": "x", "kind": "channel", "value": "fax", "points": 5}, "value"),
                ({"name": "x", "kind": "region", "value": "上海", "points": 500}, "points"),
            ],
            reads="admin",
        ),
        "routing rules": Setting(
            url="/api/leads/routing-rules/",
            model=RoutingRule,
            create={
                "name": "上海 A 级",
                "order": 10,
                "region": "上海",
                "grades": "ab",
                "team": org.team_a.pk,
            },
            answer={"grades": "AB", "team_name": org.team_a.name},
            change={"order": 5, "team": org.team_b.pk},
            bad=[
                ({"name": "x", "grades": "AZ", "team": org.team_a.pk}, "grades"),
                ({"name": "x", "team": 987654321}, "team"),
                ({"name": "x", "channel": "fax", "team": org.team_a.pk}, "channel"),
            ],
            reads="admin",
        ),
        "disposition rules": Setting(
            url="/api/leads/disposition-rules/",
            model=DispositionRule,
            create={"disposition": "busy", "retry_after_minutes": 30},
            change={"retry_after_minutes": 60, "set_status": "contacted"},
            bad=[
                ({"disposition": "nope"}, "disposition"),
                ({"disposition": "no_answer", "cooloff_days": -1}, "cooloff_days"),
            ],
        ),
        "team lead settings": Setting(
            url="/api/leads/team-settings/",
            model=TeamLeadSettings,
            create={"team": org.team_a.pk, "strategy": "round_robin", "reclaim_after_days": 5},
            change={"strategy": "least_loaded"},
            bad=[
                ({"team": 987654321, "strategy": "round_robin"}, "team"),
                ({"team": org.team_b.pk, "strategy": "random"}, "strategy"),
            ],
            reads="admin",
        ),
        "calling windows": Setting(
            url="/api/leads/calling-windows/",
            model=CallingWindow,
            create={
                "name": "工作日",
                "weekdays": "54321",
                "start": "09:00:00",
                "end": "20:00:00",
                "timezone": "Asia/Shanghai",
            },
            answer={"weekdays": "12345"},
            change={"end": "21:00:00", "region": "新疆", "timezone": "Asia/Urumqi"},
            bad=[
                ({"name": "x", "weekdays": "12345", "start": "20:00", "end": "09:00"}, "end"),
                ({"name": "x", "weekdays": "189", "start": "09:00", "end": "20:00"}, "weekdays"),
                (
                    {"name": "x", "start": "09:00", "end": "20:00", "timezone": "Mars/Base"},
                    "timezone",
                ),
            ],
        ),
        "campaigns": Setting(
            url="/api/leads/campaigns/",
            model=Campaign,
            create={
                "name": "双十一",
                "channel": "advertising",
                "starts_on": "2026-11-01",
                "ends_on": "2026-11-11",
            },
            change={"is_active": False},
            bad=[
                (
                    {
                        "name": "x",
                        "channel": "advertising",
                        "starts_on": "2026-11-11",
                        "ends_on": "2026-11-01",
                    },
                    "ends_on",
                ),
                ({"name": "y", "channel": "fax"}, "channel"),
            ],
            deletes=False,
        ),
        "inbound keys": Setting(
            url="/api/leads/inbound-keys/",
            model=InboundKey,
            create={"name": "官网", "channel": "web_form"},
            change={},
            bad=[
                ({"name": "x", "channel": "fax"}, "channel"),
                ({"channel": "web_form"}, "name"),
                ({"name": "x", "campaign": 987654321}, "campaign"),
            ],
            reads="admin",
            deletes=False,
            patches=False,
        ),
        "discount limits": Setting(
            url="/api/discount-limits/",
            model=DiscountLimit,
            create={"role": "agent", "max_percent": "5.00"},
            change={"max_percent": "7.50"},
            bad=[
                ({"role": "team_manager", "max_percent": "150"}, "max_percent"),
                ({"role": "boss", "max_percent": "5"}, "role"),
            ],
        ),
        "ticket SLAs": Setting(
            url="/api/service/slas/",
            model=TicketSLA,
            create={"priority": "urgent", "resolve_within_hours": 4},
            change={"resolve_within_hours": 6},
            bad=[
                ({"priority": "high", "resolve_within_hours": 0}, "resolve_within_hours"),
                ({"priority": "someday", "resolve_within_hours": 4}, "priority"),
            ],
        ),
    }


NAMES = [
    "scoring rules",
    "routing rules",
    "disposition rules",
    "team lead settings",
    "calling windows",
    "campaigns",
    "inbound keys",
    "discount limits",
    "ticket SLAs",
]


def _audited(model, pk, user) -> bool:
    return AuditEntry.objects.filter(
        model_label=model._meta.label_lower, object_id=str(pk), actor=user
    ).exists()


@pytest.mark.parametrize("name", NAMES)
def test_an_admin_reads_and_changes_the_setting_and_is_told_which_field_is_wrong(org, api_as, name):
    setting = settings_table(org)[name]
    setting.model.objects.all().delete()  # rows a migration may have installed
    api = api_as(org.admin)

    created = api.post(setting.url, setting.create)
    assert created.status_code == 201, created.content
    row = created.json()
    for key, value in {**setting.create, **setting.answer}.items():
        if key not in setting.answer and isinstance(value, str):
            value = value.strip()
        assert row[key] == value, key
    pk = row["id"]
    assert setting.model.objects.filter(pk=pk).exists()

    listed = api.get(setting.url).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert pk in [item["id"] for item in rows]
    assert api.get(f"{setting.url}{pk}/").json()["id"] == pk

    if setting.patches:
        changed = api.patch(f"{setting.url}{pk}/", setting.change)
        assert changed.status_code == 200, changed.content
        for key, value in setting.change.items():
            assert changed.json()[key] == value, key
    if setting.model._meta.label_lower in audit.tracked_models():
        assert _audited(setting.model, pk, org.admin.user)

    before = setting.model.objects.count()
    for body, field_name in setting.bad:
        refused = api.post(setting.url, body)
        assert refused.status_code == 400, (body, refused.content)
        assert field_name in refused.json(), (body, refused.json())
    assert setting.model.objects.count() == before

    deleted = api.delete(f"{setting.url}{pk}/")
    if setting.deletes:
        assert deleted.status_code == 204
        assert not setting.model.objects.filter(pk=pk).exists()
    else:
        assert deleted.status_code == 405
        assert setting.model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("name", NAMES)
def test_no_one_else_changes_a_setting(org, api_as, name, role):
    setting = settings_table(org)[name]
    setting.model.objects.all().delete()
    created = api_as(org.admin).post(setting.url, setting.create)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    count = setting.model.objects.count()

    api = api_as(getattr(org, role))
    assert api.post(setting.url, setting.create).status_code == 403
    assert api.patch(f"{setting.url}{pk}/", setting.change).status_code in (403, 405)
    assert api.put(f"{setting.url}{pk}/", setting.create).status_code in (403, 405)
    assert api.delete(f"{setting.url}{pk}/").status_code in (403, 405)
    assert setting.model.objects.count() == count

    listed = api.get(setting.url)
    detail = api.get(f"{setting.url}{pk}/")
    if setting.reads == "staff":
        assert listed.status_code == 200 and detail.status_code == 200
    else:
        assert listed.status_code == 403 and detail.status_code == 403


def test_nobody_signed_out_reads_or_changes_a_setting(org, api):
    for setting in settings_table(org).values():
        assert api.get(setting.url).status_code in (401, 403)
        assert api.post(setting.url, setting.create).status_code in (401, 403)


# --- the one-row settings: the lead policy and the risk policy ------------------------------


def test_an_admin_reads_and_changes_the_lead_policy(org, api_as):
    api = api_as(org.admin)
    policy = api.get("/api/leads/policy/")
    assert policy.status_code == 200
    assert policy.json()["grade_a_from"] == LeadPolicy.current().grade_a_from

    changed = api.patch(
        "/api/leads/policy/",
        {"pool_daily_claim_limit": 30, "default_team": org.team_b.pk, "max_attempts_per_day": 3},
    )
    assert changed.status_code == 200, changed.content
    stored = LeadPolicy.current()
    assert (stored.pool_daily_claim_limit, stored.default_team, stored.max_attempts_per_day) == (
        30,
        org.team_b,
        3,
    )
    assert _audited(LeadPolicy, stored.pk, org.admin.user)

    for body, field_name in [
        ({"grade_b_from": 90}, "grade_b_from"),  # above grade A's 70
        ({"grade_c_from": 60}, "grade_c_from"),  # above grade B's 45
        ({"default_team": 987654321}, "default_team"),
        ({"on_leave_handover": "fire"}, "on_leave_handover"),
        ({"pool_open_lead_cap": -1}, "pool_open_lead_cap"),
    ]:
        refused = api.patch("/api/leads/policy/", body)
        assert refused.status_code == 400, (body, refused.content)
        assert field_name in refused.json(), (body, refused.json())
    assert LeadPolicy.current().grade_b_from == 45


def test_an_admin_reads_and_changes_the_risk_policy(org, api_as):
    api = api_as(org.admin)
    assert api.get("/api/risk/policy/").json()["full_number_roles"] == ["admin"]
    changed = api.patch(
        "/api/risk/policy/", {"export_roles": ["admin", "admin"], "export_max_rows": 1000}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["export_roles"] == ["admin"]
    policy = RiskPolicy.current()
    assert (policy.export_roles, policy.export_max_rows) == (["admin"], 1000)
    assert _audited(RiskPolicy, policy.pk, org.admin.user)

    for body, field_name in [
        ({"full_number_roles": ["boss"]}, "full_number_roles"),
        ({"full_number_roles": "admin"}, "full_number_roles"),
        ({"export_max_rows": 0}, "export_max_rows"),
        ({"anomaly_factor": 1000}, "anomaly_factor"),
    ]:
        refused = api.patch("/api/risk/policy/", body)
        assert refused.status_code == 400, (body, refused.content)
        assert field_name in refused.json(), (body, refused.json())
    assert RiskPolicy.current().export_max_rows == 1000


@pytest.mark.parametrize("url", ["/api/leads/policy/", "/api/risk/policy/"])
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_no_one_else_reads_or_changes_a_policy(org, api_as, url, role):
    api = api_as(getattr(org, role))
    assert api.get(url).status_code == 403
    assert api.patch(url, {"export_max_rows": 1, "pool_daily_claim_limit": 1}).status_code == 403
    assert api.put(url, {}).status_code == 403
    assert LeadPolicy.current().pool_daily_claim_limit == 20
    assert RiskPolicy.current().export_max_rows == 50_000


# --- inbound keys: the secret once -----------------------------------------------------------


def test_an_inbound_keys_secret_is_shown_once_and_it_works_until_deactivated(org, api_as):
    from rest_framework.test import APIClient

    api = api_as(org.admin)
    campaign = Campaign.objects.create(name="落地页", channel="web_form")
    created = api.post("/api/leads/inbound-keys/", {"name": "官网", "campaign": campaign.pk})
    assert created.status_code == 201, created.content
    plaintext = created.json()["key"]
    key = InboundKey.objects.get(pk=created.json()["id"])
    assert plaintext.startswith(f"{key.prefix}.") and plaintext.split(".")[1] not in key.key_hash
    assert "key" not in api.get(f"/api/leads/inbound-keys/{key.pk}/").json()
    assert all("key" not in row for row in api.get("/api/leads/inbound-keys/").json()["results"])

    form = APIClient()
    form.credentials(HTTP_X_API_KEY=plaintext)
    assert form.post("/api/leads/inbound/", {"phone": "13800138000"}).status_code == 201

    deactivated = api.post(f"/api/leads/inbound-keys/{key.pk}/deactivate/")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    assert form.post("/api/leads/inbound/", {"phone": "13900139000"}).status_code == 401
    assert (
        api_as(org.manager_a).post(f"/api/leads/inbound-keys/{key.pk}/deactivate/").status_code
        == 403
    )


# --- the settings that had an API already: still admins' alone --------------------------------

EXISTING = [
    "/api/leads/do-not-call/",
    "/api/products/",
    "/api/service/revisit-plans/",
    "/api/performance/indicators/",
    "/api/performance/weights/",
    "/api/training/promotion-levels/",
]


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("url", EXISTING)
def test_the_older_settings_apis_refuse_everyone_but_admins_too(org, api_as, url, role):
    assert api_as(getattr(org, role)).post(url, {}).status_code == 403
    assert api_as(org.admin).post(url, {}).status_code == 400  # reached the body: admins write


# --- lists in a constant number of queries ---------------------------------------------------


@pytest.mark.parametrize("name", ["routing rules", "team lead settings", "campaigns"])
def test_a_settings_list_is_read_in_a_constant_number_of_queries(
    org, api_as, django_assert_max_num_queries, name
):
    setting = settings_table(org)[name]
    setting.model.objects.all().delete()
    api = api_as(org.admin)
    teams = [org.team_a, org.team_b, org.team_c]
    for n, team in enumerate(teams):
        body = {**setting.create}
        if "team" in body:
            body["team"] = team.pk
        if "name" in body:
            body["name"] = f"{body['name']}{n}"
        assert api.post(setting.url, body).status_code == 201
    api.get(setting.url)  # warm the session and scope
    with django_assert_max_num_queries(6):
        rows = api.get(setting.url).json()["results"]
    assert len(rows) == 3

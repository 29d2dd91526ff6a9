"""The settings pages: as an admin every section opens, saves a valid change (with an
audit entry) and names the field of an invalid one; every other role is refused, except
heads on their own teams' lead settings (and the targets they already set)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from aftersales.models import RevisitPlan, TicketSLA
from calling.models import PauseCode
from configuration.sections import all_sections
from leads.models import (
    CallingWindow,
    Campaign,
    ConsentNotice,
    DispositionRule,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from orders.models import DiscountLimit, Product
from performance.models import Indicator, KpiWeight
from risk.models import AuditEntry, RiskPolicy
from training.models import PromotionLevel

pytestmark = pytest.mark.django_db


def _rows(org):
    """One row of each generic section, and a valid and an invalid POST for it."""
    indicator = Indicator.objects.create(
        code="calls_x", name="Calls", family="efficiency", source="calls", unit="count"
    )
    return {
        "routing": (
            RoutingRule.objects.create(name="East", team=org.team_a, region="上海"),
            {
                "name": "East",
                "order": 5,
                "region": "上海",
                "product": "",
                "channel": "",
                "grades": "ab",
                "team": org.team_b.pk,
                "match_agent_skills": "on",
                "is_active": "on",
            },
            ("grades", {"grades": "XZ"}),
        ),
        "scoring": (
            ScoringRule.objects.create(name="Web", kind="channel", value="web_form", points=10),
            {
                "name": "Web",
                "kind": "channel",
                "value": "web_form",
                "points": 20,
                "is_active": "on",
            },
            ("points", {"points": 500}),
        ),
        "dispositions": (
            DispositionRule.objects.update_or_create(
                disposition="no_answer", defaults={"retry_after_minutes": 60}
            )[0],
            {"disposition": "no_answer", "set_status": "", "retry_after_minutes": 120},
            ("retry_after_minutes", {"retry_after_minutes": -5}),
        ),
        "campaigns": (
            Campaign.objects.create(name="Spring", channel="web_form"),
            {"name": "Spring", "channel": "advertising", "is_active": "on"},
            ("ends_on", {"starts_on": "2026-05-01", "ends_on": "2026-04-01"}),
        ),
        "consent-notices": (
            ConsentNotice.objects.create(version="v1", basis="consent", text="We call you."),
            {"version": "v1", "basis": "consent", "text": "We call you.", "channel": "web_form"},
            ("version", {"version": ""}),
        ),
        "calling-windows": (
            CallingWindow.objects.create(
                name="Day", start=dt.time(9), end=dt.time(18), timezone="Asia/Shanghai"
            ),
            {
                "name": "Day",
                "weekdays": "123456",
                "start": "09:00",
                "end": "20:00",
                "region": "",
                "timezone": "Asia/Shanghai",
                "is_active": "on",
            },
            ("end", {"start": "18:00", "end": "09:00"}),
        ),
        "pause-codes": (
            PauseCode.objects.update_or_create(
                code="lunch", defaults={"name": "Lunch", "max_minutes": 60}
            )[0],
            {"code": "lunch", "name": "Lunch", "max_minutes": 45, "sort_order": 1, "active": "on"},
            ("code", {"code": "not a slug!"}),
        ),
        "products": (
            Product.objects.create(sku="P-1", name="Plan", list_price=Decimal("100.00")),
            {
                "sku": "P-1",
                "name": "Plan",
                "kind": "product",
                "category": "",
                "list_price": "120.00",
                "is_active": "on",
                "description": "",
            },
            ("list_price", {"list_price": "-1"}),
        ),
        "discount-limits": (
            DiscountLimit.objects.update_or_create(role="agent", defaults={"max_percent": 5})[0],
            {"role": "agent", "max_percent": "8"},
            ("max_percent", {"max_percent": "150"}),
        ),
        "ticket-slas": (
            TicketSLA.objects.get_or_create(priority="low", defaults={"resolve_within_hours": 168})[
                0
            ],
            {"priority": "low", "resolve_within_hours": 120},
            ("resolve_within_hours", {"resolve_within_hours": "soon"}),
        ),
        "revisit-plans": (
            RevisitPlan.objects.get_or_create(name="Day 7", defaults={"days_after_delivery": 7})[0],
            {"name": "Day 7", "days_after_delivery": 8, "product_category": "", "is_active": "on"},
            ("days_after_delivery", {"days_after_delivery": ""}),
        ),
        "indicators": (
            indicator,
            {
                "code": "calls_x",
                "name": "Calls made",
                "family": "efficiency",
                "source": "calls",
                "unit": "count",
                "higher_is_better": "on",
                "description": "",
                "position": 3,
                "is_active": "on",
            },
            ("unit", {"unit": "furlongs"}),
        ),
        "weights": (
            KpiWeight.objects.create(indicator=indicator, level="agent", weight=Decimal("10")),
            {"indicator": indicator.pk, "level": "agent", "weight": "12"},
            ("weight", {"weight": "abc"}),
        ),
        "promotion-levels": (
            PromotionLevel.objects.create(name="Senior X", rank=42),
            {
                "name": "Senior agent X",
                "rank": 42,
                "description": "",
                "min_tenure_months": 6,
                "scorecard_thresholds": "{}",
            },
            ("rank", {"rank": ""}),
        ),
    }


GENERIC = [item.key for item in all_sections() if item.model is not None]


def test_every_generic_section_is_covered_here(org):
    assert sorted(_rows(org)) == sorted(GENERIC)


@pytest.mark.parametrize("key", GENERIC)
def test_admin_lists_edits_and_is_told_which_field_is_wrong(key, org, client_as):
    row, valid, (field, bad) = _rows(org)[key]
    client = client_as(org.admin)
    assert client.get(reverse("configuration:list", args=[key])).status_code == 200
    url = reverse("configuration:edit", args=[key, row.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {**valid, **bad})
    assert response.status_code == 200
    assert field in response.context["form"].errors

    before = AuditEntry.objects.filter(model_label=row._meta.label_lower).count()
    response = client.post(url, valid)
    assert response.status_code == 302, (
        getattr(response, "context", {}) and response.context["form"].errors
    )
    entries = AuditEntry.objects.filter(model_label=row._meta.label_lower, action="update")
    assert AuditEntry.objects.filter(model_label=row._meta.label_lower).count() == before + 1
    entry = entries.latest("pk")
    assert entry.actor == org.admin.user and entry.before and entry.after


def test_a_new_row_is_made_from_the_add_page(org, client_as):
    client = client_as(org.admin)
    response = client.post(
        reverse("configuration:create", args=["calling-windows"]),
        {
            "name": "Evening",
            "weekdays": "12345",
            "start": "18:00",
            "end": "20:00",
            "region": "新疆",
            "timezone": "Asia/Urumqi",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    window = CallingWindow.objects.get(name="Evening")
    assert AuditEntry.objects.filter(
        model_label="leads.callingwindow", object_id=str(window.pk), action="create"
    ).exists()


def test_delete_where_allowed_and_not_where_not(org, client_as):
    client = client_as(org.admin)
    window = CallingWindow.objects.create(name="Day", start=dt.time(9), end=dt.time(18))
    response = client.post(reverse("configuration:delete", args=["calling-windows", window.pk]))
    assert response.status_code == 302 and not CallingWindow.objects.exists()
    product = Product.objects.create(sku="P-9", name="Keep", list_price=Decimal(1))
    response = client.post(reverse("configuration:delete", args=["products", product.pk]))
    assert response.status_code == 404


def test_errors_are_in_the_users_language(org, client_as):
    client = client_as(org.admin)
    window = CallingWindow.objects.create(name="Day", start=dt.time(9), end=dt.time(18))
    url = reverse("configuration:edit", args=["calling-windows", window.pk])
    bad = {"name": "", "weekdays": "12345", "start": "18:00", "end": "09:00",
           "timezone": "Asia/Shanghai"}  # fmt: skip
    errors = client.post(url, bad, HTTP_ACCEPT_LANGUAGE="zh-hans").context["form"].errors
    assert errors["end"] == ["结束时间须晚于开始时间。"]
    assert errors["name"] == ["该字段是必填项。"]
    errors = client.post(url, bad, HTTP_ACCEPT_LANGUAGE="en").context["form"].errors
    assert errors["end"] == ["The end must be after the start."]


def test_a_cited_consent_notice_keeps_its_wording(org, client_as):
    from leads.models import LeadSource
    from tests.leads.factories import LeadFactory

    notice = ConsentNotice.objects.create(version="v9", basis="consent", text="原文")
    lead = LeadFactory()
    LeadSource.objects.create(lead=lead, channel="web_form", notice=notice, basis="consent")
    client = client_as(org.admin)
    url = reverse("configuration:edit", args=["consent-notices", notice.pk])
    response = client.post(
        url, {"version": "v9", "basis": "consent", "text": "改过的", "channel": "web_form"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.text, notice.channel) == ("原文", "web_form")


def test_the_policies_save_and_name_the_field(org, client_as):
    client = client_as(org.admin)
    url = reverse("configuration:lead_policy")
    assert client.get(url).status_code == 200
    policy = LeadPolicy.current()
    data = {
        "default_team": org.team_a.pk,
        "grade_a_from": 70,
        "grade_b_from": 45,
        "grade_c_from": 20,
        "reclaim_after_days": 5,
        "pool_open_lead_cap": 200,
        "pool_daily_claim_limit": 20,
        "claim_back_cooloff_days": 7,
        "on_leave_handover": "reassign",
        "import_max_rows": 1000,
        "import_max_megabytes": 10,
        "max_attempts_per_day": 3,
        "max_attempts_per_week": "",
    }
    response = client.post(url, {**data, "grade_b_from": 80})
    assert "grade_b_from" in response.context["form"].errors
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.reclaim_after_days == 5 and policy.max_attempts_per_day == 3
    assert AuditEntry.objects.filter(model_label="leads.leadpolicy", action="update").exists()

    url = reverse("configuration:risk_policy")
    assert client.get(url).status_code == 200
    data = {
        "full_number_roles": ["admin"],
        "export_roles": ["admin", "team_manager"],
        "export_max_rows": 1000,
        "anomaly_factor": 3,
        "anomaly_floor": 20,
    }
    response = client.post(url, {**data, "export_max_rows": -3})
    assert "export_max_rows" in response.context["form"].errors
    assert client.post(url, data).status_code == 302
    assert RiskPolicy.current().export_roles == ["admin", "team_manager"]


def test_heads_set_their_own_teams_lead_settings_only(org, client_as):
    client = client_as(org.south_head)  # heads team C only
    assert client.get(reverse("configuration:home")).status_code == 200
    page = client.get(reverse("configuration:team_leads"))
    assert [team.name for team, _s in page.context["rows"]] == [org.team_c.name]
    url = reverse("configuration:team_leads_edit", args=[org.team_c.pk])
    response = client.post(url, {"strategy": "bogus"})
    assert "strategy" in response.context["form"].errors
    response = client.post(url, {"strategy": "round_robin", "reclaim_after_days": 3})
    assert response.status_code == 302
    assert TeamLeadSettings.objects.get(team=org.team_c).strategy == "round_robin"
    assert AuditEntry.objects.filter(model_label="leads.teamleadsettings").exists()
    other = reverse("configuration:team_leads_edit", args=[org.team_a.pk])
    assert client.get(other).status_code == 404
    # Center-wide settings are the administrators'.
    assert client.get(reverse("configuration:list", args=["routing"])).status_code == 403
    assert client.get(reverse("configuration:lead_policy")).status_code == 403


@pytest.mark.parametrize("role", ["inspector", "manager_a", "agent_a1"])
def test_other_roles_are_refused_everywhere(role, org, client_as):
    client = client_as(getattr(org, role))
    urls = [
        reverse("configuration:home"),
        reverse("configuration:lead_policy"),
        reverse("configuration:risk_policy"),
        reverse("configuration:team_leads"),
        reverse("configuration:team_leads_edit", args=[org.team_a.pk]),
        *[reverse("configuration:list", args=[key]) for key in GENERIC],
        *[reverse("configuration:create", args=[key]) for key in GENERIC],
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("configuration:create", args=["routing"]), {}).status_code == 403


def test_the_home_lists_each_section_with_a_sentence_and_the_menu_leads_there(org, client_as):
    client = client_as(org.admin)
    page = client.get(reverse("configuration:home"))
    html = page.content.decode()
    for item in all_sections():
        assert escape(str(item.sentence)) in html
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("configuration:home")}"' in home


def test_the_admin_names_the_lockouts_in_chinese_and_hides_them_from_other_staff(org, client):
    from django.contrib.auth import get_user_model

    client.force_login(org.admin.user)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "Axes" not in html and "Access attempts" not in html
    staff = get_user_model().objects.create_user("staff_only", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_the_disposition_rule_says_what_an_empty_status_means(org, client):
    client.force_login(org.admin.user)
    rule = DispositionRule.objects.first() or DispositionRule.objects.create(disposition="busy")
    html = client.get(reverse("admin:leads_dispositionrule_change", args=[rule.pk])).content
    assert "status unchanged" in html.decode()
    page = client.get(reverse("configuration:edit", args=["dispositions", rule.pk])).content
    assert "leave unchanged" in page.decode()


def test_the_apps_own_settings_pages_show_the_same_section_nav(org, client_as):
    admin = client_as(org.admin)
    for name in ("leads:dnc_list", "leads:inbound_keys", "performance:targets"):
        html = admin.get(reverse(name)).content.decode()
        assert 'id="settings-nav"' in html, name
        assert html.count('id="settings-nav"') == 1
    assert (
        client_as(org.admin)
        .get(reverse("configuration:lead_policy"))
        .content.decode()
        .count('id="settings-nav"')
        == 1
    )
    # A manager sets targets too, but has no settings: no settings nav for them.
    html = client_as(org.manager_a).get(reverse("performance:targets")).content.decode()
    assert 'id="settings-nav"' not in html


def test_retention_periods_are_set_through_the_risk_service(org, client_as):
    from risk.models import RetentionPolicy

    client = client_as(org.admin)
    page = client.get(reverse("configuration:retention"))
    assert page.status_code == 200 and not RetentionPolicy.objects.exists()  # read only
    kind = page.context["rows"][0][0]
    url = reverse("configuration:retention_edit", args=[kind.code])
    assert client.get(url).status_code == 200
    assert "days" in client.post(url, {"days": 0, "enabled": "on"}).context["form"].errors
    assert client.post(url, {"days": 400, "enabled": "on"}).status_code == 302
    row = RetentionPolicy.objects.get(kind=kind.code)
    assert (row.days, row.enabled, row.updated_by) == (400, True, org.admin.user)
    entry = AuditEntry.objects.get(model_label="risk.retentionpolicy")
    assert entry.actor == org.admin.user and entry.after["days"] == 400
    assert client.get(reverse("configuration:retention_edit", args=["nope"])).status_code == 404
    for other in (org.head, org.manager_a, org.agent_a1, org.inspector):
        assert client_as(other).get(url).status_code == 403


def test_a_list_reads_the_same_number_of_queries_for_more_rows(org, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(org.admin)
    url = reverse("configuration:list", args=["routing"])
    RoutingRule.objects.create(name="one", team=org.team_a)
    client.get(url)  # warm: sessions, scope
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n, team in enumerate((org.team_b, org.team_c, org.team_a)):
        RoutingRule.objects.create(name=f"more {n}", team=team)
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)

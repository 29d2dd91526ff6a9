"""The previews on the settings pages, against hand-built data: "try a lead" (which team
and agent, and why, with nothing written) and the grade distribution of the last 30 days
(computed by the database, equal to scoring each lead in Python)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Assignment, Lead, LeadPolicy, RoutingRule, ScoringRule, TeamLeadSettings
from leads.services.capture.scoring import Scorer, grade_distribution
from leads.services.distribution import route_preview
from risk.models import AuditEntry

pytestmark = pytest.mark.django_db


def _lead(**fields) -> Lead:
    fields.setdefault("phone", f"+86138{Lead.objects.count():08d}")
    return Lead.objects.create(**fields)


# --- try a lead ---------------------------------------------------------------------------


def test_the_rule_the_team_and_the_least_loaded_agent_with_why(org):
    RoutingRule.objects.create(name="上海线索", order=1, region="上海", team=org.team_a)
    RoutingRule.objects.create(name="其余", order=9, team=org.team_b)
    _lead(owner=org.agent_a1.user, team=org.team_a, assigned_at=timezone.now())  # one open

    preview = route_preview(Lead(region="上海浦东", product="", channel="web_form", grade="B"))

    assert preview.team == org.team_a and preview.rule.name == "上海线索"
    assert preview.agent_id == org.agent_a2.user_id  # the fewest open leads
    assert "上海线索" in preview.why and "0" in preview.why

    elsewhere = route_preview(Lead(region="北京", channel="web_form", grade="B"))
    assert elsewhere.team == org.team_b and elsewhere.agent_id == org.agent_b1.user_id


def test_round_robin_names_the_next_in_turn_and_nothing_is_written(org):
    RoutingRule.objects.create(name="All", order=1, team=org.team_a)
    TeamLeadSettings.objects.create(
        team=org.team_a, strategy="round_robin", last_assigned_to=org.agent_a1.user
    )
    entries, assignments = AuditEntry.objects.count(), Assignment.objects.count()

    preview = route_preview(Lead(channel="web_form", grade="C"))

    assert preview.agent_id == org.agent_a2.user_id  # after agent_a1
    assert "Round-robin" in preview.why or "轮" in preview.why
    settings_ = TeamLeadSettings.objects.get(team=org.team_a)
    assert settings_.last_assigned_to_id == org.agent_a1.user_id  # the pointer did not move
    assert AuditEntry.objects.count() == entries and Assignment.objects.count() == assignments


def test_no_rule_and_no_default_team_says_so(org):
    preview = route_preview(Lead(channel="web_form", grade="A"))
    assert preview.team is None and preview.agent_id is None
    assert not LeadPolicy.objects.exists()  # read, not created


def test_a_team_at_capacity_keeps_the_lead_in_its_pool(org):
    RoutingRule.objects.create(name="C", order=1, team=org.team_c)
    member = org.agent_c1
    member.daily_lead_capacity = 1
    member.save(update_fields=["daily_lead_capacity"])
    lead = _lead(owner=member.user, team=org.team_c, assigned_at=timezone.now())
    Assignment.objects.create(lead=lead, kind="auto", to_user=member.user, team=org.team_c)

    preview = route_preview(Lead(channel="web_form", grade="B"))

    assert preview.team == org.team_c and preview.agent_id is None
    assert preview.agent_name == ""


def test_the_routing_page_shows_team_agent_and_why(org, client_as):
    RoutingRule.objects.create(name="上海线索", order=1, region="上海", team=org.team_a)
    client = client_as(org.admin)
    page = client.get(
        reverse("configuration:list", args=["routing"]),
        {"try": "1", "region": "上海", "product": "", "channel": "web_form", "grade": "A"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="try-lead-result"' in html and org.team_a.name in html and "上海线索" in html
    preview = page.context["preview"]
    assert preview.agent_id in (org.agent_a1.user_id, org.agent_a2.user_id)
    bad = client.get(reverse("configuration:list", args=["routing"]), {"try": "1", "grade": "Z"})
    assert "grade" in bad.context["try_form"].errors


# --- the grade distribution -------------------------------------------------------------------


@pytest.fixture
def scored_leads(db):
    """Leads of the last 30 days with every kind of field a rule reads, and older ones."""
    now = timezone.now()
    leads = [
        _lead(channel="referral", intent="high", company="甲公司", region="上海浦东"),
        _lead(channel="web_form", intent="medium", budget=Decimal("20000"), product="Pro"),
        _lead(channel="market_list", intent="low"),
        _lead(channel="web_form", email="a@example.com", wechat="wx1", region="北京"),
        _lead(channel="advertising", product="pro", budget=Decimal("150000"), timeline="Q3"),
        _lead(channel="inbound_call", name="张三", intent="unknown"),
    ]
    old = _lead(channel="referral", intent="high")
    Lead.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=45))
    return leads


def _rules():
    return [
        ScoringRule(name="referral", kind="channel", value="referral", points=40),
        ScoringRule(name="web", kind="channel", value="web_form", points=15),
        ScoringRule(name="list", kind="channel", value="market_list", points=-5),
        ScoringRule(name="high", kind="intent", value="high", points=30),
        ScoringRule(name="medium", kind="intent", value="medium", points=15),
        ScoringRule(name="pro", kind="product", value="PRO", points=10),
        ScoringRule(name="shanghai", kind="region", value="上海", points=5),
        ScoringRule(name="10k", kind="budget_at_least", value="10000", points=10),
        ScoringRule(name="100k", kind="budget_at_least", value="100000", points=20),
        ScoringRule(name="bad budget", kind="budget_at_least", value="lots", points=50),
        ScoringRule(name="company", kind="has_field", value="company", points=10),
        ScoringRule(name="email", kind="has_field", value="email", points=5),
        ScoringRule(name="budget", kind="has_field", value="budget", points=5),
        ScoringRule(name="off", kind="channel", value="web_form", points=50, is_active=False),
    ]


def test_the_sql_grades_equal_the_scorer_lead_by_lead(scored_leads):
    policy = LeadPolicy(grade_a_from=60, grade_b_from=30, grade_c_from=10)
    since = timezone.now() - dt.timedelta(days=30)
    scorer = Scorer(_rules(), policy)
    expected = dict.fromkeys("ABCD", 0)
    for lead in scored_leads:
        expected[scorer.score(lead)[1]] += 1

    with CaptureQueriesContext(connection) as queries:
        result = grade_distribution(rules=_rules(), policy=policy, since=since)

    assert len(queries) == 1  # one grouped query, no lead loaded
    assert result.total == len(scored_leads) == 6
    assert result.under_rules == expected
    assert result.now == {"A": 0, "B": 0, "C": 0, "D": 6}  # stored grades: the default D
    assert result.changed == 6 - expected["D"]


def test_the_scoring_page_shows_the_distribution_and_previews_a_change(
    scored_leads, org, client_as
):
    ScoringRule.objects.all().delete()  # the center's default rules are installed
    ScoringRule.objects.create(name="web", kind="channel", value="web_form", points=15)
    client = client_as(org.admin)
    page = client.get(reverse("configuration:list", args=["scoring"]))
    assert page.context["distribution"].total == 6
    assert 'id="grade-distribution"' in page.content.decode()

    rule = ScoringRule.objects.get(name="web")
    response = client.post(
        reverse("configuration:edit", args=["scoring", rule.pk]),
        {
            "name": "web",
            "kind": "channel",
            "value": "web_form",
            "points": 100,
            "is_active": "on",
            "preview": "1",
        },
    )
    assert response.status_code == 200  # shown, not saved
    assert response.context["distribution"].under_rules["A"] == 2  # the two web-form leads
    rule.refresh_from_db()
    assert rule.points == 15

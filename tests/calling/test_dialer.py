"""The preview dialer: which lead comes next, and that a lead is previewed by one agent.

Given an agent with follow-ups due, new leads and a team pool, when they ask for the next
lead, then it comes in the worklist's order, skipping what may not be called now, and a
lead one agent holds never shows for another.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from calling.models import DialerLease, DialerSkip
from calling.services import dialer
from leads.models import CallingWindow, FollowUp, LeadPolicy, LeadStatus
from leads.services import followups
from risk.services import do_not_call_add
from tests.leads.factories import CallFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rules():
    followups.disposition_rules_install_defaults()


def _next(member):
    preview = dialer.lead_take_next(agent=member.user)
    return preview.lead if preview else None


def test_the_worklist_order_overdue_then_due_then_new_by_grade_then_the_pool(org):
    now = timezone.now()
    agent = org.agent_a1.user
    pool_lead = LeadFactory(team=org.team_a, grade="A")
    new_b = LeadFactory(owner=agent, team=org.team_a, grade="B")
    new_a = LeadFactory(owner=agent, team=org.team_a, grade="A")
    due = LeadFactory(
        owner=agent, team=org.team_a, status=LeadStatus.CONTACTED,
        next_followup_at=now - dt.timedelta(minutes=5),
    )  # fmt: skip
    overdue = LeadFactory(
        owner=agent, team=org.team_a, status=LeadStatus.CONTACTED,
        next_followup_at=now - dt.timedelta(days=1),
    )  # fmt: skip
    later_today = LeadFactory(
        owner=agent, team=org.team_a, status=LeadStatus.CONTACTED,
        next_followup_at=now + dt.timedelta(minutes=30),
    )  # fmt: skip
    dialer.session_start(agent=agent)
    seen = []
    for _ in range(6):
        lead = _next(org.agent_a1)
        if lead is None:
            break
        seen.append(lead)
        dialer.lead_skip(agent=agent, lead_id=lead.pk, reason="test")
    assert seen == [overdue, due, new_a, new_b, pool_lead]
    assert later_today not in seen
    assert DialerSkip.objects.filter(agent=agent).count() == 5


def test_asking_again_gives_the_same_lead_and_renews_the_hold(org):
    agent = org.agent_a1.user
    lead = LeadFactory(owner=agent, team=org.team_a)
    first = dialer.lead_next(agent=agent)
    DialerLease.objects.filter(agent=agent).update(
        expires_at=timezone.now() + dt.timedelta(seconds=5)
    )
    again = dialer.lead_next(agent=agent)
    assert first.lead == again.lead == lead
    assert DialerLease.objects.get(agent=agent).expires_at > timezone.now() + dt.timedelta(
        minutes=1
    )


def test_leads_that_may_not_be_called_now_are_passed_over(org):
    now = timezone.now()
    agent = org.agent_a1.user
    listed = LeadFactory(owner=agent, team=org.team_a, grade="A")
    do_not_call_add(phone=listed.phone, reason="asked")
    listed.status = LeadStatus.NEW  # the list closed it; put it back to prove the check
    listed.save(update_fields=["status"])
    cooling = LeadFactory(
        owner=agent, team=org.team_a, grade="A", cooloff_until=now + dt.timedelta(days=3)
    )
    over_cap = LeadFactory(owner=agent, team=org.team_a, grade="A")
    policy = LeadPolicy.objects.get_or_create(pk=1)[0]
    policy.max_attempts_per_day = 1
    policy.save()
    CallFactory(lead=over_cap, agent=agent)
    elsewhere = LeadFactory(owner=agent, team=org.team_a, grade="A", region="乌鲁木齐")
    local = timezone.localtime(now)
    opens = (local - dt.timedelta(hours=3)).time().replace(second=0, microsecond=0)
    closes = (local - dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    CallingWindow.objects.create(
        name="乌鲁木齐", region="乌鲁木齐", weekdays="1234567", start=opens, end=closes,
        timezone="Asia/Shanghai",
    )  # fmt: skip
    fine = LeadFactory(owner=agent, team=org.team_a, grade="C")
    assert _next(org.agent_a1) == fine
    assert {listed, cooling, over_cap, elsewhere}.isdisjoint({_next(org.agent_a1)})


def test_a_lead_held_by_one_agent_is_not_shown_to_another_until_the_hold_runs_out(org):
    in_pool = LeadFactory(team=org.team_a, grade="A")
    other = LeadFactory(team=org.team_a, grade="B")
    assert _next(org.agent_a1) == in_pool
    assert _next(org.agent_a2) == other
    assert dialer.lead_take_next(agent=org.manager_a.user) is None
    DialerLease.objects.filter(lead=in_pool).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _next(org.manager_a) == in_pool
    assert DialerLease.objects.get(lead=in_pool).agent == org.manager_a.user


def test_save_and_next_writes_the_follow_up_and_lets_go(org):
    agent = org.agent_a1.user
    first = LeadFactory(owner=agent, team=org.team_a, grade="A")
    second = LeadFactory(owner=agent, team=org.team_a, grade="B")
    dialer.session_start(agent=agent)
    assert dialer.lead_next(agent=agent).lead == first
    later = timezone.now() + dt.timedelta(days=1)
    dialer.lead_save(agent=agent, lead_id=first.pk, disposition="call_back", next_followup_at=later)
    followup = FollowUp.objects.get(lead=first)
    assert followup.disposition == "call_back" and followup.channel == "phone"
    assert not DialerLease.objects.filter(lead=first).exists()
    assert dialer.lead_next(agent=agent).lead == second


def test_a_pool_lead_becomes_the_agents_when_they_call_it(org):
    agent = org.agent_a1.user
    lead = LeadFactory(team=org.team_a, grade="A")
    assert _next(org.agent_a1) == lead
    dialer.lead_prepare_call(agent=agent, lead_id=lead.pk)
    lead.refresh_from_db()
    assert lead.owner == agent


def test_acting_on_a_lead_one_does_not_hold_is_refused(org):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    with pytest.raises(ValidationError) as refused:
        dialer.lead_save(agent=org.agent_a1.user, lead_id=lead.pk, disposition="reached")
    assert "lead" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        dialer.lead_skip(agent=org.agent_a1.user, lead_id=lead.pk, reason="")
    assert "reason" in refused.value.message_dict


def test_stop_and_sign_out_let_go(org, client):
    agent = org.agent_a1.user
    LeadFactory(owner=agent, team=org.team_a)
    dialer.session_start(agent=agent)
    dialer.lead_next(agent=agent)
    dialer.session_stop(agent=agent)
    assert not DialerLease.objects.filter(agent=agent).exists()
    assert dialer.session_for(agent) is None

    client.force_login(agent)
    dialer.session_start(agent=agent)
    dialer.lead_next(agent=agent)
    client.post("/accounts/logout/")
    assert not DialerLease.objects.filter(agent=agent).exists()
    assert dialer.session_for(agent) is None


def test_inspectors_and_heads_do_not_dial(org):
    with pytest.raises(ValidationError):
        dialer.lead_take_next(agent=org.inspector.user)


def test_picking_the_next_lead_is_a_handful_of_queries_however_many_leads(
    org, django_assert_max_num_queries
):
    agent = org.agent_a1.user
    for grade in "ABCD" * 10:
        LeadFactory(owner=agent, team=org.team_a, grade=grade)
    dialer.lead_next(agent=agent)  # warm the per-process rules
    dialer.session_start(agent=agent)
    # Own lease dropped, session and its skips, the calling rules and the lead policy (kept
    # 10 s per process outside the tests), a section or two, the lease: never per lead.
    with django_assert_max_num_queries(12):
        preview = dialer.lead_take_next(agent=agent)
    assert preview.lead.grade == "A"
    with django_assert_max_num_queries(3):
        assert dialer.lead_next(agent=agent).lead == preview.lead

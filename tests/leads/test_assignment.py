"""Assignment: rules pick a team, the team's strategy picks the agent, every move says why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import services as crm_services
from crm.models import MemberStatus, Notification, Role, Skill
from leads.models import (
    Assignment,
    Lead,
    LeadPolicy,
    LeadStatus,
    RoutingRule,
    TeamLeadSettings,
)
from leads.services import assignment, routing
from tests.factories import make_member
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _policy(**fields) -> LeadPolicy:
    policy = LeadPolicy.current()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def _strategy(team, strategy: str) -> None:
    TeamLeadSettings.objects.update_or_create(team=team, defaults={"strategy": strategy})


# --- routing ------------------------------------------------------------------------------


class TestRouting:
    def test_first_matching_rule_in_order_wins(self, org):
        RoutingRule.objects.create(name="later", order=20, region="上海", team=org.team_b)
        first = RoutingRule.objects.create(name="first", order=10, region="上海", team=org.team_a)
        team, rule, why = routing.route(LeadFactory.build(region="上海市浦东新区"))
        assert (team, rule) == (org.team_a, first)
        assert "first" in why and "上海" in why

    def test_empty_criteria_match_anything_and_grades_list_the_grades(self, org):
        RoutingRule.objects.create(name="A and B", order=1, grades="AB", team=org.team_b)
        RoutingRule.objects.create(name="catch all", order=2, team=org.team_c)
        assert routing.route(LeadFactory.build(grade="B"))[0] == org.team_b
        assert routing.route(LeadFactory.build(grade="C"))[0] == org.team_c

    def test_product_and_channel_must_both_match(self, org):
        RoutingRule.objects.create(
            name="ads insurance", product="保险", channel="advertising", team=org.team_b
        )
        _policy(default_team=org.team_c)
        assert (
            routing.route(LeadFactory.build(product="保险", channel="advertising"))[0] == org.team_b
        )
        team, rule, why = routing.route(LeadFactory.build(product="保险", channel="referral"))
        assert (team, rule) == (org.team_c, None)
        assert "default team" in why

    def test_inactive_rules_are_skipped_and_without_default_no_team(self, org):
        RoutingRule.objects.create(name="off", region="上海", team=org.team_a, is_active=False)
        team, rule, why = routing.route(LeadFactory.build(region="上海"))
        assert (team, rule) == (None, None)
        assert "no default team" in why


# --- strategies and capacity --------------------------------------------------------------


class TestAssignPendingLeads:
    def test_least_loaded_gives_to_the_agent_with_fewest_open_leads(self, org):
        RoutingRule.objects.create(name="A", team=org.team_a)
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        lead = LeadFactory()
        assert assignment.assign_pending_leads() == 1
        lead.refresh_from_db()
        assert lead.owner == org.agent_a2.user
        assert lead.team == org.team_a and lead.assigned_at is not None
        record = Assignment.objects.get(lead=lead)
        assert record.kind == Assignment.Kind.AUTO
        assert record.to_user == org.agent_a2.user and record.rule.name == "A"
        assert "Least loaded" in record.reason and "fewest open leads (0)" in record.reason

    def test_least_loaded_spreads_a_batch_evenly(self, org):
        RoutingRule.objects.create(name="A", team=org.team_a)
        LeadFactory.create_batch(6)
        assignment.assign_pending_leads()
        counts = sorted(
            Lead.objects.filter(team=org.team_a).values_list("owner__username", flat=True)
        )
        assert counts.count("agent_a1") == 3 and counts.count("agent_a2") == 3

    def test_round_robin_takes_turns_and_remembers_whose_turn(self, org):
        RoutingRule.objects.create(name="A", team=org.team_a)
        _strategy(org.team_a, TeamLeadSettings.Strategy.ROUND_ROBIN)
        a3 = make_member(team=org.team_a, username="agent_a3")
        leads = LeadFactory.create_batch(4)
        assignment.assign_pending_leads()
        owners = [Lead.objects.get(pk=lead.pk).owner_id for lead in leads]
        ordered = sorted([org.agent_a1.user_id, org.agent_a2.user_id, a3.user_id])
        assert owners == [*ordered, ordered[0]]
        later = LeadFactory()
        assignment.assign_pending_leads()
        assert Lead.objects.get(pk=later.pk).owner_id == ordered[1]
        assert "Round-robin" in Assignment.objects.get(lead=later).reason

    def test_daily_capacity_is_honored_and_the_rest_waits_in_the_team_pool(self, org):
        RoutingRule.objects.create(name="A", team=org.team_a)
        for member in (org.agent_a1, org.agent_a2):
            crm_services.member_update(member=member, daily_lead_capacity=2)
        LeadFactory.create_batch(5)
        assert assignment.assign_pending_leads() == 5
        owned = Lead.objects.filter(team=org.team_a, owner__isnull=False)
        assert owned.count() == 4
        parked = Lead.objects.get(team=org.team_a, owner__isnull=True)
        reason = Assignment.objects.get(lead=parked).reason
        assert "daily capacity" in reason and "team pool" in reason
        # Yesterday's assignments do not count today.
        Assignment.objects.update(at=timezone.now() - dt.timedelta(days=1))
        LeadFactory()
        assignment.assign_pending_leads()
        assert Lead.objects.filter(team=org.team_a, owner__isnull=False).count() == 5

    @pytest.mark.parametrize(
        "status", [MemberStatus.ONBOARDING, MemberStatus.ON_LEAVE, MemberStatus.LEFT]
    )
    def test_agents_who_are_not_active_get_nothing(self, org, status):
        RoutingRule.objects.create(name="A", team=org.team_a)
        crm_services.member_set_status(
            member=org.agent_a1,
            status=status,
            leave_date=timezone.localdate() if status == MemberStatus.LEFT else None,
            leave_reason="resigned" if status == MemberStatus.LEFT else "",
        )
        LeadFactory.create_batch(3)
        assignment.assign_pending_leads()
        assert set(Lead.objects.values_list("owner", flat=True)) == {org.agent_a2.user_id}

    def test_a_team_without_active_agents_keeps_leads_in_its_pool(self, org):
        RoutingRule.objects.create(name="C", team=org.team_c)
        crm_services.member_set_status(member=org.agent_c1, status=MemberStatus.ON_LEAVE)
        lead = LeadFactory()
        assignment.assign_pending_leads()
        lead.refresh_from_db()
        assert lead.owner is None and lead.team == org.team_c
        assert "no active agent" in Assignment.objects.get(lead=lead).reason

    def test_skill_match_is_preferred_when_the_rule_says_so(self, org):
        insurance = Skill.objects.create(kind=Skill.Kind.PRODUCT, name="保险")
        org.agent_a2.skills.add(insurance)
        LeadFactory.create_batch(2, owner=org.agent_a2.user, team=org.team_a)
        RoutingRule.objects.create(name="A", team=org.team_a, match_agent_skills=True)
        lead = LeadFactory(product="保险")
        assignment.assign_pending_leads()
        lead.refresh_from_db()
        assert lead.owner == org.agent_a2.user
        assert "Skill: product 保险" in Assignment.objects.get(lead=lead).reason

    def test_unrouted_leads_stay_pending_and_released_leads_stay_in_the_pool(self, org):
        released = LeadFactory(team=org.team_a)
        lonely = LeadFactory()
        assert assignment.assign_pending_leads() == 0
        assert Lead.objects.get(pk=lonely.pk).team is None
        assert not Assignment.objects.exists()
        _policy(default_team=org.team_b)
        assert assignment.assign_pending_leads() == 1
        assert Lead.objects.get(pk=lonely.pk).owner == org.agent_b1.user
        assert Lead.objects.get(pk=released.pk).owner is None

    def test_only_the_given_leads_and_only_open_new_ones(self, org):
        _policy(default_team=org.team_a)
        chosen, other = LeadFactory(), LeadFactory()
        closed = LeadFactory(status=LeadStatus.INVALID)
        assert assignment.assign_pending_leads(lead_ids=[chosen.pk, closed.pk]) == 1
        assert Lead.objects.get(pk=other.pk).owner is None
        assert Lead.objects.get(pk=closed.pk).owner is None

    def test_running_twice_changes_nothing_and_notifies_once(self, org):
        _policy(default_team=org.team_a)
        LeadFactory.create_batch(4)
        assert assignment.assign_pending_leads(batch_size=3) == 4
        snapshot = list(Lead.objects.order_by("pk").values_list("owner", "team"))
        assert assignment.assign_pending_leads() == 0
        assert list(Lead.objects.order_by("pk").values_list("owner", "team")) == snapshot
        assert Assignment.objects.count() == 4
        notes = Notification.objects.filter(kind="lead_assigned")
        assert sorted(notes.values_list("user__username", flat=True)) == ["agent_a1", "agent_a2"]
        assert "2 new leads" in notes.first().text


# --- by hand ------------------------------------------------------------------------------


class TestManualAssignment:
    def test_lead_assign_records_from_and_to(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        record = assignment.lead_assign(
            lead=lead, agent=org.agent_a2.user, by=org.manager_a.user, reason="vacation cover"
        )
        lead.refresh_from_db()
        assert lead.owner == org.agent_a2.user
        assert (record.from_user, record.to_user, record.by) == (
            org.agent_a1.user,
            org.agent_a2.user,
            org.manager_a.user,
        )
        assert record.kind == Assignment.Kind.MANUAL and "vacation cover" in record.reason

    def test_lead_assign_refuses_closed_leads_and_people_who_do_not_take_leads(self, org):
        closed = LeadFactory(status=LeadStatus.WON, owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError, match="closed"):
            assignment.lead_assign(lead=closed, agent=org.agent_a2.user, by=org.manager_a.user)
        lead = LeadFactory(team=org.team_a)
        with pytest.raises(ValidationError):
            assignment.lead_assign(lead=lead, agent=org.manager_a.user, by=org.admin.user)
        newcomer = make_member(team=org.team_a, status=MemberStatus.ONBOARDING)
        with pytest.raises(ValidationError):
            assignment.lead_assign(lead=lead, agent=newcomer.user, by=org.admin.user)

    def test_manager_reassigns_many_within_the_team(self, org):
        leads = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        already = LeadFactory(owner=org.agent_a2.user, team=org.team_a)
        moved = assignment.leads_reassign(
            lead_ids=[lead.pk for lead in leads] + [already.pk],
            agent=org.agent_a2.user,
            by=org.manager_a.user,
            reason="rebalance",
        )
        assert moved == 3
        assert set(Lead.objects.values_list("owner", flat=True)) == {org.agent_a2.user_id}
        assert Assignment.objects.filter(kind=Assignment.Kind.MANUAL).count() == 3
        assert (
            Notification.objects.filter(user=org.agent_a2.user, kind="lead_assigned").count() == 1
        )

    def test_another_teams_lead_or_agent_is_refused_and_nothing_moves(self, org):
        mine = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        with pytest.raises(ValidationError, match="not yours"):
            assignment.leads_reassign(
                lead_ids=[mine.pk, theirs.pk],
                agent=org.agent_a2.user,
                by=org.manager_a.user,
                reason="x",
            )
        assert Lead.objects.get(pk=mine.pk).owner == org.agent_a1.user
        with pytest.raises(ValidationError, match="Unknown agent"):
            assignment.leads_reassign(
                lead_ids=[mine.pk], agent=org.agent_c1.user, by=org.manager_a.user, reason="x"
            )

    def test_agents_cannot_reassign(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError):
            assignment.leads_reassign(
                lead_ids=[lead.pk], agent=org.agent_a2.user, by=org.agent_a1.user, reason="x"
            )


# --- hand-over ----------------------------------------------------------------------------


class TestHandover:
    def _leave(self, member):
        crm_services.member_set_status(member=member, status=MemberStatus.ON_LEAVE)

    def test_reassign_policy_hands_open_leads_to_teammates(self, org):
        _policy(on_leave_handover="reassign")
        open_leads = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        won = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.WON)
        self._leave(org.agent_a1)
        assert assignment.handover_leads(member_id=org.agent_a1.pk) == 3
        for lead in open_leads:
            lead.refresh_from_db()
            assert lead.owner == org.agent_a2.user
            record = lead.assignments.get()
            assert record.kind == Assignment.Kind.HANDOVER
            assert record.from_user == org.agent_a1.user and "On leave" in record.reason
        assert Lead.objects.get(pk=won.pk).owner == org.agent_a1.user
        assert Notification.objects.filter(user=org.manager_a.user, kind="lead_handover").exists()
        # Idempotent: nothing left to hand over.
        assert assignment.handover_leads(member_id=org.agent_a1.pk) == 0
        assert Assignment.objects.count() == 3

    def test_pool_policy_returns_them_to_the_team_pool(self, org):
        _policy(on_leave_handover="pool")
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        crm_services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
        )
        assert assignment.handover_leads(member_id=org.agent_a1.pk) == 2
        for lead in leads:
            lead.refresh_from_db()
            assert lead.owner is None and lead.team == org.team_a
            assert lead.assignments.get().kind == Assignment.Kind.HANDOVER

    def test_a_member_back_before_the_job_keeps_their_leads(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        assert assignment.handover_leads(member_id=org.agent_a1.pk) == 0
        assert Lead.objects.get(pk=lead.pk).owner == org.agent_a1.user

    def test_going_on_leave_queues_the_hand_over_after_commit(
        self, org, django_capture_on_commit_callbacks, monkeypatch
    ):
        sent = []
        monkeypatch.setattr(
            "crm.services.current_app.send_task", lambda name, args: sent.append((name, args))
        )
        with django_capture_on_commit_callbacks(execute=True):
            self._leave(org.agent_a1)
        assert sent == [("leads.tasks.handover_for_member", [org.agent_a1.pk])]
        with django_capture_on_commit_callbacks(execute=True):
            crm_services.member_set_status(member=org.inspector, status=MemberStatus.ON_LEAVE)
        assert len(sent) == 1
        assert org.inspector.role == Role.INSPECTOR

"""The public pool: claim within caps, release, cool-off, and the automatic reclaim."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import services as crm_services
from crm.models import MemberStatus, Notification
from leads.models import Assignment, Lead, LeadPolicy, LeadStatus, TeamLeadSettings
from leads.selectors.pool import pool_leads
from leads.services import pool
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _policy(**fields) -> LeadPolicy:
    policy = LeadPolicy.current()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


class TestClaim:
    def test_an_agent_claims_from_the_team_pool(self, org):
        lead = LeadFactory(team=org.team_a)
        claimed = pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        assert claimed.owner == org.agent_a1.user and claimed.assigned_at
        record = Assignment.objects.get(lead=lead)
        assert record.kind == Assignment.Kind.CLAIM and record.to_user == org.agent_a1.user

    def test_a_center_lead_joins_the_claimers_team(self, org):
        lead = LeadFactory()
        assert pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user).team == org.team_a

    def test_another_teams_pool_is_out_of_reach(self, org):
        lead = LeadFactory(team=org.team_c)
        with pytest.raises(ValidationError, match="no longer in the pool"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        assert Lead.objects.get(pk=lead.pk).owner is None

    def test_a_claimed_lead_cannot_be_claimed_again(self, org):
        lead = LeadFactory(team=org.team_a)
        pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        with pytest.raises(ValidationError, match="someone else just claimed it"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a2.user)

    def test_the_open_lead_cap(self, org):
        _policy(pool_open_lead_cap=2)
        LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.WON)
        lead = LeadFactory(team=org.team_a)
        with pytest.raises(ValidationError, match="2 open leads"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)

    def test_the_daily_claim_limit(self, org):
        _policy(pool_daily_claim_limit=2)
        leads = LeadFactory.create_batch(3, team=org.team_a)
        for lead in leads[:2]:
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        with pytest.raises(ValidationError, match="claim limit"):
            pool.lead_claim(lead_id=leads[2].pk, user=org.agent_a1.user)
        allowance = pool.claim_allowance(org.agent_a1.user)
        assert allowance["claimed_today"] == 2 and allowance["remaining"] == 0
        Assignment.objects.update(at=timezone.now() - dt.timedelta(days=1))
        pool.lead_claim(lead_id=leads[2].pk, user=org.agent_a1.user)

    def test_an_agent_who_released_a_lead_cannot_claim_it_back_during_the_cool_off(self, org):
        _policy(claim_back_cooloff_days=3)
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        pool.lead_release(lead=lead, by=org.agent_a1.user, reason="not reachable")
        with pytest.raises(ValidationError, match="claim it back after 3 days"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        Assignment.objects.filter(kind="release").update(at=timezone.now() - dt.timedelta(days=4))
        assert pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user).owner == org.agent_a1.user

    def test_a_teammate_may_claim_a_released_lead_at_once(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        pool.lead_release(lead=lead, by=org.agent_a1.user, reason="wrong product")
        assert pool.lead_claim(lead_id=lead.pk, user=org.agent_a2.user).owner == org.agent_a2.user

    def test_the_leads_own_cool_off(self, org):
        lead = LeadFactory(team=org.team_a, cooloff_until=timezone.now() + dt.timedelta(days=1))
        with pytest.raises(ValidationError, match="may not be worked before"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)

    def test_who_may_claim(self, org):
        lead = LeadFactory(team=org.team_a)
        for member in (org.admin, org.inspector, org.head):
            with pytest.raises(ValidationError):
                pool.lead_claim(lead_id=lead.pk, user=member.user)
        crm_services.member_set_status(member=org.agent_a1, status=MemberStatus.ON_LEAVE)
        with pytest.raises(ValidationError, match="not active"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)
        assert pool.lead_claim(lead_id=lead.pk, user=org.manager_a.user).owner == (
            org.manager_a.user
        )


class TestRelease:
    def test_the_owner_releases_to_the_team_pool_with_a_reason(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        pool.lead_release(lead=lead, by=org.agent_a1.user, reason="asked for a colleague")
        lead.refresh_from_db()
        assert lead.owner is None and lead.team == org.team_a and lead.in_pool
        record = Assignment.objects.get(lead=lead)
        assert record.kind == Assignment.Kind.RELEASE
        assert record.from_user == org.agent_a1.user and record.reason == "asked for a colleague"

    def test_a_reason_is_required(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError):
            pool.lead_release(lead=lead, by=org.agent_a1.user, reason=" ")

    def test_a_teammate_cannot_release_but_the_manager_can(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError):
            pool.lead_release(lead=lead, by=org.agent_a2.user, reason="mine now")
        with pytest.raises(ValidationError):
            pool.lead_release(lead=lead, by=org.manager_c.user, reason="not my team")
        pool.lead_release(lead=lead, by=org.manager_a.user, reason="rebalance")
        assert Lead.objects.get(pk=lead.pk).owner is None

    def test_return_by_a_rule_tells_the_agent(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        pool.lead_return_to_pool(lead=lead, reason="5 unanswered calls")
        assert Assignment.objects.get(lead=lead).kind == Assignment.Kind.RETURN
        assert Notification.objects.filter(user=org.agent_a1.user, kind="lead_returned").exists()
        # Returning an unowned lead again does nothing.
        pool.lead_return_to_pool(lead=lead, reason="again")
        assert Assignment.objects.filter(lead=lead).count() == 1


class TestPoolList:
    def test_agents_see_their_teams_and_the_centers_pool_best_first(self, org):
        old_b = LeadFactory(team=org.team_a, grade="B")
        new_b = LeadFactory(team=org.team_a, grade="B")
        old_b.created_at = timezone.now() - dt.timedelta(days=3)
        old_b.save(update_fields=["created_at"])
        a = LeadFactory(grade="A")
        LeadFactory(team=org.team_c, grade="A")
        LeadFactory(owner=org.agent_a2.user, team=org.team_a)
        assert list(pool_leads(org.agent_a1.user)) == [a, new_b, old_b]
        assert pool_leads(org.admin.user).count() == 4


class TestReclaim:
    def _stale(self, org, days: int, **extra) -> Lead:
        at = timezone.now() - dt.timedelta(days=days)
        return LeadFactory(owner=org.agent_a1.user, team=org.team_a, assigned_at=at, **extra)

    def test_warns_a_day_ahead_then_reclaims_and_tells_the_agent(self, org):
        _policy(reclaim_after_days=7)
        lead = self._stale(org, days=6, last_contact_at=timezone.now() - dt.timedelta(days=6.5))
        fresh = self._stale(org, days=2)
        assert pool.reclaim_stale_leads() == {"warned": 1, "reclaimed": 0}
        lead.refresh_from_db()
        assert lead.reclaim_warned_at is not None
        warning = Notification.objects.get(user=org.agent_a1.user, kind="reclaim_warning")
        assert "1 of your leads" in warning.text
        # Idempotent: a second sweep warns nobody again.
        assert pool.reclaim_stale_leads() == {"warned": 0, "reclaimed": 0}
        assert Notification.objects.filter(kind="reclaim_warning").count() == 1
        # A day later the lead goes back to the pool, its history kept.
        later = timezone.now() + dt.timedelta(days=1, minutes=1)
        assert pool.reclaim_stale_leads(now=later) == {"warned": 0, "reclaimed": 1}
        lead.refresh_from_db()
        assert lead.owner is None and lead.team == org.team_a
        record = Assignment.objects.get(lead=lead)
        assert record.kind == Assignment.Kind.RECLAIM and record.from_user == org.agent_a1.user
        assert "7 days" in record.reason
        assert Notification.objects.filter(user=org.agent_a1.user, kind="lead_reclaimed").exists()
        assert Lead.objects.get(pk=fresh.pk).owner == org.agent_a1.user
        assert pool.reclaim_stale_leads(now=later) == {"warned": 0, "reclaimed": 0}
        # And the agent who lost it cannot claim it straight back.
        with pytest.raises(ValidationError, match="claim it back"):
            pool.lead_claim(lead_id=lead.pk, user=org.agent_a1.user)

    def test_a_lead_is_never_taken_without_a_warning_first(self, org):
        lead = self._stale(org, days=30)
        assert pool.reclaim_stale_leads() == {"warned": 1, "reclaimed": 0}
        assert Lead.objects.get(pk=lead.pk).owner == org.agent_a1.user

    def test_a_follow_up_after_the_warning_stops_the_clock(self, org):
        lead = self._stale(org, days=6, last_contact_at=timezone.now() - dt.timedelta(days=6.5))
        pool.reclaim_stale_leads()
        Lead.objects.filter(pk=lead.pk).update(last_contact_at=timezone.now())
        later = timezone.now() + dt.timedelta(days=1, minutes=1)
        assert pool.reclaim_stale_leads(now=later)["reclaimed"] == 0

    def test_team_setting_overrides_the_center_default_and_closed_leads_stay(self, org):
        _policy(reclaim_after_days=30)
        TeamLeadSettings.objects.create(team=org.team_a, reclaim_after_days=3)
        in_a = self._stale(org, days=3)
        in_b = LeadFactory(
            owner=org.agent_b1.user,
            team=org.team_b,
            assigned_at=timezone.now() - dt.timedelta(days=3),
        )
        won = self._stale(org, days=10, status=LeadStatus.WON)
        assert pool.reclaim_stale_leads()["warned"] == 1
        later = timezone.now() + dt.timedelta(days=1, minutes=1)
        assert pool.reclaim_stale_leads(now=later)["reclaimed"] == 1
        assert Lead.objects.get(pk=in_a.pk).owner is None
        assert Lead.objects.get(pk=in_b.pk).owner == org.agent_b1.user
        assert Lead.objects.get(pk=won.pk).owner == org.agent_a1.user

"""The leads of the demo center: a new user signs in to a working day, not an empty screen."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from crm.models import Member
from crm.phones import normalize
from leads import demo
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    Call,
    FollowUp,
    Lead,
    LeadStatus,
    RoutingRule,
    TeamLeadSettings,
)
from leads.services.assignment import pending_leads
from risk.models import DoNotCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_demo")


def test_a_few_thousand_leads_in_every_state_with_a_pool(seeded):
    assert Lead.objects.count() >= 2000
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    pool = Lead.objects.filter(owner__isnull=True)
    assert pool.exists()
    assert pool.filter(team__isnull=True).exists() and pool.filter(team__isnull=False).exists()
    assert not pool.exclude(status__in=OPEN_STATUSES).exists()
    # The assignment sweep that `make run` starts must not hand the pool out again.
    assert not pending_leads().exists()
    assert FollowUp.objects.count() > Lead.objects.count()
    assert Call.objects.filter(duration_seconds__gt=60).exists()
    assert DoNotCall.objects.count() >= 3
    assert RoutingRule.objects.count() == TeamLeadSettings.objects.count() == 5
    assert set(Lead.objects.values_list("grade", flat=True)) >= {"A", "B", "C"}


def test_every_phone_is_valid_unique_e164(seeded):
    phones = list(Lead.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert all(normalize(phone).e164 == phone for phone in phones)
    assert all(
        normalize(phone).e164 == phone
        for phone in DoNotCall.objects.values_list("phone", flat=True)
    )


def test_owners_are_active_agents_of_the_leads_team(seeded):
    owned = Lead.objects.filter(owner__isnull=False).select_related("owner__member")
    assert not owned.filter(assigned_at__isnull=True).exists()
    for lead in owned:
        member = lead.owner.member
        assert member.takes_leads and lead.team_id == member.team_id
    # Every owned lead says why it is theirs.
    auto = Assignment.objects.filter(kind=Assignment.Kind.AUTO).values_list("lead_id", "to_user_id")
    assert set(owned.values_list("pk", "owner_id")) <= set(auto)


def test_follow_ups_are_the_owners_and_match_the_status(seeded):
    owned = FollowUp.objects.filter(lead__owner__isnull=False)
    assert not owned.exclude(agent=F("lead__owner")).exists()
    won = Lead.objects.filter(status=LeadStatus.WON)
    assert not won.exclude(followups__disposition="won").exists()
    invalid = Lead.objects.filter(status=LeadStatus.INVALID)
    assert not invalid.exclude(followups__disposition="wrong_number").exists()
    counted = Lead.objects.annotate(n=Count("followups")).exclude(n=F("followup_count"))
    assert not counted.exists()


def test_each_active_agent_has_a_working_day(seeded):
    now = timezone.now()
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    agents = [m for m in Member.objects.select_related("user") if m.takes_leads]
    assert agents
    for member in agents:
        open_leads = Lead.objects.filter(owner=member.user, status__in=OPEN_STATUSES)
        assert open_leads.filter(next_followup_at__lte=end_of_today).exists(), member
    soon = Lead.objects.filter(
        next_followup_at__gt=now, next_followup_at__lte=now + dt.timedelta(hours=1)
    )
    assert soon.count() >= len(agents)
    agent01 = Lead.objects.filter(owner__username="agent01", next_followup_at__gt=now)
    assert agent01.filter(next_followup_at__lte=end_of_today).count() >= 5


def test_no_open_lead_is_past_the_reclaim_limit(seeded):
    """Otherwise the first reclaim sweep after `make run` would empty the worklists."""
    limit = timezone.now() - dt.timedelta(days=7)
    open_owned = Lead.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES)
    assert not open_owned.filter(last_contact_at__lt=limit).exists()
    assert not open_owned.filter(last_contact_at__isnull=True, assigned_at__lt=limit).exists()


def test_seeding_twice_adds_nothing(seeded):
    counts = [m.objects.count() for m in (Lead, FollowUp, Call, Assignment, DoNotCall)]
    call_command("seed_demo")
    assert [m.objects.count() for m in (Lead, FollowUp, Call, Assignment, DoNotCall)] == counts
    assert demo.is_seeded()


def test_worked_leads_have_their_status_moves(seeded):
    from leads.models import LeadEvent
    from leads.states import can_move

    assert LeadEvent.objects.exists()
    last: dict[int, str] = {}
    for lead_id, before, after in LeadEvent.objects.order_by("at", "id").values_list(
        "lead_id", "from_status", "to_status"
    ):
        assert can_move(before, after) and last.get(lead_id, LeadStatus.NEW) == before
        last[lead_id] = after
    statuses = dict(Lead.objects.filter(pk__in=last).values_list("pk", "status"))
    assert last == statuses
    assert not LeadEvent.objects.filter(lead__status=LeadStatus.NEW).exists()

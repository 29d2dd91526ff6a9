"""The lead jobs really run on a Celery worker: queued through the broker, run, idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.celery import app
from crm.models import Notification
from leads import tasks
from leads.models import Assignment, Lead, LeadPolicy, LeadStatus, RoutingRule
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 30  # seconds a task may take on a loaded CI machine


def test_beat_runs_the_lead_jobs():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    tasks_on_schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "leads.tasks.assign_pending_leads",
        "leads.tasks.reclaim_sweep",
        "leads.tasks.followup_reminders_sweep",
    } <= tasks_on_schedule
    for name in tasks_on_schedule:
        assert name in app.tasks, name


def test_assignment_job_routes_new_leads_on_a_worker(org, celery_worker):
    RoutingRule.objects.create(name="上海 → A", region="上海", team=org.team_a, order=1)
    leads = LeadFactory.create_batch(4, region="上海")

    assigned = tasks.assign_pending_leads.delay().get(timeout=WAIT)

    assert assigned == 4
    owners = set(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("owner", flat=True)
    )
    assert owners <= {org.agent_a1.user_id, org.agent_a2.user_id, org.manager_a.user_id}
    assert None not in owners
    assert Assignment.objects.filter(lead__in=leads, kind=Assignment.Kind.AUTO).count() == 4
    # Run again: nothing new to assign, nothing assigned twice.
    assert tasks.assign_pending_leads.delay().get(timeout=WAIT) == 0
    assert Assignment.objects.filter(lead__in=leads).count() == 4


def test_reclaim_job_warns_then_takes_stale_leads_on_a_worker(org, celery_worker):
    policy = LeadPolicy.current()
    days = policy.reclaim_after_days
    long_ago = timezone.now() - dt.timedelta(days=days + 3)
    lead = LeadFactory(
        owner=org.agent_a1.user,
        team=org.team_a,
        status=LeadStatus.CONTACTED,
        assigned_at=long_ago,
        last_contact_at=long_ago,
    )

    first = tasks.reclaim_sweep.delay().get(timeout=WAIT)
    lead.refresh_from_db()
    assert lead.owner_id == org.agent_a1.user_id  # warned first, never taken without notice
    assert lead.reclaim_warned_at is not None
    assert first

    # A day after the warning the sweep takes it, and tells the agent.
    Lead.objects.filter(pk=lead.pk).update(
        reclaim_warned_at=lead.reclaim_warned_at - dt.timedelta(days=2)
    )
    tasks.reclaim_sweep.delay().get(timeout=WAIT)
    lead.refresh_from_db()
    assert lead.owner_id is None
    assert Assignment.objects.filter(lead=lead, kind=Assignment.Kind.RECLAIM).count() == 1
    assert Notification.objects.filter(user=org.agent_a1.user).count() >= 2
    tasks.reclaim_sweep.delay().get(timeout=WAIT)
    assert Assignment.objects.filter(lead=lead, kind=Assignment.Kind.RECLAIM).count() == 1


def test_reminder_job_notifies_the_owner_once(org, celery_worker):
    LeadFactory(
        owner=org.agent_a2.user,
        team=org.team_a,
        status=LeadStatus.CONTACTED,
        next_followup_at=timezone.now() + dt.timedelta(minutes=5),
    )

    assert tasks.followup_reminders_sweep.delay().get(timeout=WAIT) == 1
    assert tasks.followup_reminders_sweep.delay().get(timeout=WAIT) == 0
    assert Notification.objects.filter(user=org.agent_a2.user).count() == 1

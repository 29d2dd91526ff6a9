"""The reminder job really runs on a Celery worker: queued through the broker, idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales import tasks
from crm.celery import app
from crm.models import Notification
from tests.aftersales.factories import RevisitFactory, delivered_order

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 30


def test_beat_runs_the_service_reminders():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "aftersales.tasks.service_reminders_sweep" in scheduled
    assert "aftersales.tasks.service_reminders_sweep" in app.tasks


def test_reminder_job_notifies_once_on_a_worker(org, celery_worker):
    now = timezone.now()
    RevisitFactory(order=delivered_order(org.agent_a1), due_at=now - dt.timedelta(minutes=5))
    RevisitFactory(order=delivered_order(org.agent_c1), due_at=now - dt.timedelta(days=2))

    first = tasks.service_reminders_sweep.delay().get(timeout=WAIT)
    second = tasks.service_reminders_sweep.delay().get(timeout=WAIT)

    # The one two days late is past the reminders' day: its manager hears of it instead.
    assert first["revisits"] == 1 and first["revisits_overdue"] == 1
    assert second == {"revisits": 0, "tickets": 0, "escalated": 0, "revisits_overdue": 0}
    assert Notification.objects.filter(user=org.agent_a1.user, kind="revisit_due").count() == 1
    assert (
        Notification.objects.filter(user=org.manager_c.user, kind="revisits_overdue").count() == 1
    )

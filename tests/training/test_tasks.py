"""Training reminders: sessions in the next 24 h, expiring certificates, slow onboarding.
Each message is sent once, however often the sweep runs."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.celery import app
from crm.models import MemberStatus, Notification
from tests.factories import make_member
from tests.training.factories import CourseFactory, SessionFactory
from training import tasks
from training.models import Enrollment, EnrollmentStatus
from training.services import enrollments


def test_beat_runs_the_training_reminders():
    app.loader.import_default_modules()
    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "training.tasks.training_reminders_sweep" in entries
    assert "training.tasks.training_reminders_sweep" in app.tasks


@pytest.mark.django_db
def test_reminders_are_sent_once(org, settings):
    settings.TRAINING_ONBOARDING_ALERT_DAYS = 10
    now = timezone.now()
    today = timezone.localdate()
    soon = SessionFactory(starts_at=now + dt.timedelta(hours=20))
    later = SessionFactory(course=soon.course, starts_at=now + dt.timedelta(days=3))
    enrollments.enroll(member=org.agent_a1, course=soon.course, session=soon, by=org.admin.user)
    enrollments.enroll(member=org.agent_a2, course=soon.course, session=later, by=org.admin.user)
    Enrollment.objects.create(
        member=org.agent_b1,
        course=CourseFactory(title="证书课"),
        status=EnrollmentStatus.PASSED,
        completed_on=today - dt.timedelta(days=340),
        certificate_expires_on=today + dt.timedelta(days=25),
    )
    Enrollment.objects.create(
        member=org.agent_c1,
        course=CourseFactory(title="远期证书"),
        status=EnrollmentStatus.PASSED,
        completed_on=today,
        certificate_expires_on=today + dt.timedelta(days=200),
    )
    slow = make_member(
        team=org.team_a, status=MemberStatus.ONBOARDING, hire_date=today - dt.timedelta(days=12)
    )
    make_member(
        team=org.team_a, status=MemberStatus.ONBOARDING, hire_date=today - dt.timedelta(days=3)
    )

    first = tasks.training_reminders_sweep()
    assert first == {"sessions": 1, "certificates": 1, "onboarding": 1}
    assert tasks.training_reminders_sweep() == {"sessions": 0, "certificates": 0, "onboarding": 0}

    notes = {n.user_id: n for n in Notification.objects.filter(kind="training")}
    assert set(notes) == {org.agent_a1.user_id, org.agent_b1.user_id, org.manager_a.user_id}
    assert soon.course.title in notes[org.agent_a1.user_id].text
    assert "证书课" in notes[org.agent_b1.user_id].text
    assert slow.display_name in notes[org.manager_a.user_id].text
    assert notes[org.manager_a.user_id].url == "/training/team/"


@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_on_a_worker(org, celery_worker):
    session = SessionFactory(starts_at=timezone.now() + dt.timedelta(hours=2))
    enrollments.enroll(
        member=org.agent_a1, course=session.course, session=session, by=org.admin.user
    )
    result = tasks.training_reminders_sweep.delay().get(timeout=30)
    assert result["sessions"] == 1
    assert Notification.objects.filter(user=org.agent_a1.user, kind="training").count() == 1

"""The daily sweep: admins hear of requests coming due and overdue, once a day each."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm.models import Notification
from privacy.models import RequestKind, RequestStatus, SubjectRequest
from privacy.services.reminders import request_reminders_sweep
from privacy.services.requests import request_close, request_open
from privacy.tasks import request_reminders_sweep as sweep_task
from tests.factories import make_member

from .conftest import MARKED_NAME, MARKED_PHONE

MONDAY = dt.date(2026, 12, 7)


def logged(org, *, due_on: dt.date, **kwargs) -> SubjectRequest:
    request = request_open(
        kind=RequestKind.ACCESS, name=MARKED_NAME, phone=MARKED_PHONE, by=org.admin.user, **kwargs
    )
    SubjectRequest.objects.filter(pk=request.pk).update(due_on=due_on)
    return request


def test_due_within_three_working_days_and_overdue_reach_every_admin_once_a_day(org):
    second_admin = make_member(role="admin", username="admin_two")
    soon = logged(org, due_on=dt.date(2026, 12, 10))  # Thursday: 3 working days on
    overdue = logged(org, due_on=dt.date(2026, 12, 4))
    logged(org, due_on=dt.date(2026, 12, 11))  # Friday: 4 working days on, not yet
    closed = logged(org, due_on=MONDAY)
    request_close(request=closed, status=RequestStatus.REFUSED, outcome="no", by=org.admin.user)

    assert request_reminders_sweep(today=MONDAY) == 4
    assert request_reminders_sweep(today=MONDAY) == 0  # twice the same day: nothing twice
    notes = Notification.objects.filter(kind__startswith="privacy_request")
    assert {(n.user_id, n.kind) for n in notes} == {
        (user.pk, kind)
        for user in (org.admin.user, second_admin.user)
        for kind in ("privacy_request_due", "privacy_request_overdue")
    }
    texts = {n.text for n in notes}
    assert any(f"#{soon.pk}" in text and "2026-12-10" in text for text in texts)
    assert any(f"#{overdue.pk}" in text and "overdue" in text for text in texts)
    assert not any(MARKED_NAME in text or "5678" in text for text in texts)
    assert not notes.filter(user=org.agent_a1.user).exists()
    # The next day the overdue and soon ones are reminded again, and Friday's comes in.
    assert request_reminders_sweep(today=MONDAY + dt.timedelta(days=1)) == 6


def test_the_task_runs_the_sweep(org):
    logged(org, due_on=timezone.localdate() - dt.timedelta(days=1))
    assert sweep_task() == 1
    assert sweep_task() == 0

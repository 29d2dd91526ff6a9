"""When satisfaction drops: a team's average over its last N revisits below the policy's
threshold alerts its manager and head once, links the revisits behind it, and alerts again
only after it recovered and fell again. Checked on recording and by the sweep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.models import Revisit, RevisitStatus, SatisfactionDrop, SatisfactionPolicy
from aftersales.services.revisits import revisit_record
from aftersales.services.satisfaction import satisfaction_check, satisfaction_sweep
from crm.models import Notification
from orders.services import order_moves
from tests.orders.factories import take_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):
    policy = SatisfactionPolicy.current()
    policy.window, policy.threshold = 3, Decimal("3.50")
    policy.save()
    return policy


def _revisit(member, *, minutes: int):
    order = take_order(member)
    order = order_moves.order_confirm(order=order, by=member.user)
    return Revisit.objects.create(
        order=order,
        lead=order.lead,
        assignee=member.user,
        due_at=timezone.now() - dt.timedelta(days=1, minutes=minutes),
    )


def record(member, score: int, minute: int):
    revisit = _revisit(member, minutes=minute)
    at = timezone.now() - dt.timedelta(hours=1) + dt.timedelta(minutes=minute)
    return revisit_record(revisit=revisit, by=member.user, reached=True, satisfaction=score, at=at)


def alerts(member):
    return Notification.objects.filter(user=member.user, kind="satisfaction")


def test_a_drop_alerts_manager_and_head_once_and_again_only_after_recovery(org, policy):
    record(org.agent_a1, 5, 1)
    record(org.agent_a1, 4, 2)
    assert not SatisfactionDrop.objects.exists()  # fewer than 3 revisits: unknown
    record(org.agent_a2, 1, 3)  # (5 + 4 + 1) / 3 = 3.33 < 3.5: dropped
    drop = SatisfactionDrop.objects.get()
    assert drop.team == org.team_a and drop.average == Decimal("3.33")
    assert len(drop.revisit_ids) == 3
    assert alerts(org.manager_a).count() == 1 and alerts(org.head).count() == 1
    assert not alerts(org.manager_b).exists() and not alerts(org.south_head).exists()
    record(org.agent_a1, 2, 4)  # (4 + 1 + 2) / 3 = 2.33: still low, no second alert
    assert satisfaction_sweep()["still low"] == 1
    assert alerts(org.manager_a).count() == 1 and alerts(org.head).count() == 1
    for minute in (5, 6):
        record(org.agent_a1, 5, minute)  # (2 + 5 + 5) / 3 = 4.0: recovered
    drop.refresh_from_db()
    assert drop.recovered_at is not None
    record(org.agent_a1, 1, 7)
    record(org.agent_a1, 1, 8)  # (5 + 1 + 1) / 3 = 2.33: dropped again
    assert SatisfactionDrop.objects.count() == 2
    assert alerts(org.manager_a).count() == 2 and alerts(org.head).count() == 2


def test_the_alert_links_the_revisits_behind_it(org, policy, client_as):
    for minute, score in enumerate((2, 3, 3), start=1):
        record(org.agent_a1, score, minute)
    older = _revisit(org.agent_a1, minutes=99)
    revisit_record(
        revisit=older,
        by=org.agent_a1.user,
        reached=True,
        satisfaction=5,
        at=timezone.now() - dt.timedelta(days=3),
    )
    note = alerts(org.manager_a).get()
    drop = SatisfactionDrop.objects.get()
    assert note.url.endswith(f"drop={drop.pk}")
    page = client_as(org.manager_a).get(note.url).content.decode()
    expected = set(drop.revisit_ids)
    shown = {
        pk for pk in Revisit.objects.values_list("pk", flat=True) if f"/revisits/{pk}/" in page
    }
    assert shown == expected and older.pk not in shown
    assert reverse("aftersales:revisit_list") in note.url


def test_the_check_is_idempotent_and_follows_the_policy(org, policy):
    for minute, score in enumerate((1, 1, 1), start=1):
        record(org.agent_b1, score, minute)
    assert satisfaction_check(team_id=org.team_b.pk) == "still low"
    assert alerts(org.manager_b).count() == 1
    policy.threshold = Decimal("1.00")
    policy.save()
    assert satisfaction_check(team_id=org.team_b.pk) == "recovered"
    policy.is_active = False
    policy.save()
    assert satisfaction_check(team_id=org.team_b.pk) == "unknown"
    assert Revisit.objects.filter(status=RevisitStatus.DONE).count() == 3

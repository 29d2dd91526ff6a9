"""Revisits: scheduled from the plans when an order is delivered, then recorded."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aftersales.models import (
    ImprovementItem,
    Revisit,
    RevisitPlan,
    RevisitStatus,
    ServiceTicket,
    TicketType,
)
from aftersales.services import revisits
from crm.models import MemberStatus
from orders.models import Order, OrderStatus
from orders.signals import order_moved
from tests.aftersales.factories import RevisitFactory, delivered_order

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _deliver(order: Order, at: dt.datetime, by=None) -> None:
    """What `orders.services` does when an order is delivered: set the time, send the move."""
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED, delivered_at=at)
    order.refresh_from_db()
    order_moved.send(
        sender=Order, order=order, from_status=OrderStatus.SHIPPED, to_status="delivered", by=by
    )


def test_the_default_plans_are_day_3_and_day_30():
    assert list(RevisitPlan.objects.values_list("days_after_delivery", "is_active")) == [
        (3, True),
        (30, True),
    ]


def test_delivery_schedules_day_3_and_day_30_in_shanghai_time(org):
    # 23:30 in Shanghai is still the 1st there (15:30 UTC): days count from the local day.
    delivered_at = dt.datetime(2026, 11, 1, 23, 30, tzinfo=SHANGHAI)
    order = delivered_order(org.agent_a1, status=OrderStatus.SHIPPED)
    Order.objects.filter(pk=order.pk).update(delivered_at=None)
    _deliver(order, delivered_at)

    scheduled = list(Revisit.objects.filter(order=order).order_by("due_at"))
    assert [r.due_at.astimezone(SHANGHAI) for r in scheduled] == [
        dt.datetime(2026, 11, 4, 9, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
    ]
    assert {r.assignee_id for r in scheduled} == {org.agent_a1.user_id}
    assert {r.lead_id for r in scheduled} == {order.lead_id}
    assert {r.status for r in scheduled} == {RevisitStatus.SCHEDULED}


def test_scheduling_twice_creates_nothing_twice(org):
    order = delivered_order(org.agent_a1)
    first = revisits.revisits_schedule(order=order)
    again = revisits.revisits_schedule(order=order)
    _deliver(order, order.delivered_at)
    assert len(first) == 2
    assert sorted(r.pk for r in again) == sorted(r.pk for r in first)
    assert Revisit.objects.filter(order=order).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Revisit.objects.create(
            order=order, lead=order.lead, plan=first[0].plan, due_at=order.delivered_at
        )


def test_plans_follow_the_admins_edits(org):
    RevisitPlan.objects.filter(days_after_delivery=30).update(is_active=False)
    RevisitPlan.objects.create(
        name="第7天回访（宽带）", days_after_delivery=7, product_category="宽带"
    )
    order = delivered_order(org.agent_a1)
    scheduled = revisits.revisits_schedule(order=order)
    # The broadband plan needs a broadband line; this order has none.
    assert [r.plan.days_after_delivery for r in scheduled] == [3]


def test_a_plan_for_a_product_category_applies_to_orders_with_it(org):
    from orders.models import OrderLine, Product

    plan = RevisitPlan.objects.create(
        name="宽带7天", days_after_delivery=7, product_category="宽带"
    )
    order = delivered_order(org.agent_a1)
    product = Product.objects.create(sku="BB-1", name="宽带", category="宽带", list_price=100)
    OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=100)
    scheduled = revisits.revisits_schedule(order=order)
    assert plan.pk in {r.plan_id for r in scheduled}
    assert len(scheduled) == 3


def test_an_agent_who_left_hands_revisits_to_a_service_agent_of_the_team(org):
    order = delivered_order(org.agent_a1)
    type(org.agent_a1).objects.filter(pk=org.agent_a1.pk).update(status=MemberStatus.ON_LEAVE)
    scheduled = revisits.revisits_schedule(order=order)
    assert {r.assignee_id for r in scheduled} == {org.agent_a2.user_id}


def test_with_no_agent_left_in_the_team_the_manager_takes_them(org):
    order = delivered_order(org.agent_c1)
    type(org.agent_c1).objects.filter(pk=org.agent_c1.pk).update(status=MemberStatus.ON_LEAVE)
    scheduled = revisits.revisits_schedule(order=order)
    assert {r.assignee_id for r in scheduled} == {org.manager_c.user_id}


def test_a_refund_cancels_the_revisits_still_to_do(org):
    order = delivered_order(org.agent_a1)
    first, later = sorted(revisits.revisits_schedule(order=order), key=lambda r: r.due_at)
    revisits.revisit_record(revisit=first, by=org.agent_a1.user, reached=True, satisfaction=5)
    order_moved.send(
        sender=Order, order=order, from_status="delivered", to_status="refunded", by=None
    )
    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.status, later.status) == (RevisitStatus.DONE, RevisitStatus.CANCELLED)


def test_a_good_revisit_is_just_recorded(org):
    revisit = revisits.revisits_schedule(order=delivered_order(org.agent_a1))[0]
    done = revisits.revisit_record(
        revisit=revisit,
        by=org.agent_a1.user,
        reached=True,
        satisfaction=5,
        feedback="很满意",
        follow_up_actions="推荐续费",
    )
    assert (done.status, done.reached, done.satisfaction, done.done_by_id) == (
        RevisitStatus.DONE,
        True,
        5,
        org.agent_a1.user_id,
    )
    assert done.done_at is not None and done.ticket is None
    assert not ImprovementItem.objects.exists() and not ServiceTicket.objects.exists()


def test_a_complaint_opens_a_complaint_ticket_linked_back(org):
    order = delivered_order(org.agent_a1)
    revisit = revisits.revisits_schedule(order=order)[0]
    done = revisits.revisit_record(
        revisit=revisit,
        by=org.agent_a1.user,
        reached=True,
        satisfaction=1,
        complaint=True,
        feedback="安装师傅迟到",
    )
    ticket = done.ticket
    assert ticket.type == TicketType.COMPLAINT
    assert (ticket.lead_id, ticket.order_id, ticket.assignee_id) == (
        order.lead_id,
        order.pk,
        org.agent_a1.user_id,
    )
    assert ticket.priority == "high" and "安装师傅迟到" in ticket.subject
    assert list(ticket.revisits.all()) == [done]
    assert not ImprovementItem.objects.exists()


@pytest.mark.parametrize("score, opens", [(1, True), (2, True), (3, False)])
def test_a_low_score_without_a_complaint_opens_an_improvement_item(org, score, opens):
    order = delivered_order(org.agent_a1)
    revisit = revisits.revisits_schedule(order=order)[0]
    revisits.revisit_record(
        revisit=revisit, by=org.agent_a1.user, reached=True, satisfaction=score, feedback="一般"
    )
    item = ImprovementItem.objects.filter(revisit=revisit).first()
    assert (item is not None) is opens
    if opens:
        assert item.source == ImprovementItem.Source.REVISIT
        assert (item.team_id, item.owner_id, item.lead_id) == (
            org.team_a.pk,
            org.manager_a.user_id,
            order.lead_id,
        )
    assert not ServiceTicket.objects.exists()


def test_not_reached_is_recorded_without_a_score(org):
    revisit = revisits.revisits_schedule(order=delivered_order(org.agent_a1))[0]
    with pytest.raises(ValidationError) as refused:
        revisits.revisit_record(
            revisit=revisit, by=org.agent_a1.user, reached=False, satisfaction=3
        )
    assert "satisfaction" in refused.value.message_dict
    done = revisits.revisit_record(revisit=revisit, by=org.agent_a1.user, reached=False)
    assert (done.status, done.reached, done.satisfaction) == (RevisitStatus.MISSED, False, None)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"reached": True}, "satisfaction"),
        ({"reached": True, "satisfaction": 0}, "satisfaction"),
        ({"reached": True, "satisfaction": 6}, "satisfaction"),
        ({"reached": False, "complaint": True}, "complaint"),
    ],
)
def test_a_bad_outcome_is_refused_naming_the_field(org, kwargs, field):
    revisit = revisits.revisits_schedule(order=delivered_order(org.agent_a1))[0]
    with pytest.raises(ValidationError) as refused:
        revisits.revisit_record(revisit=revisit, by=org.agent_a1.user, **kwargs)
    assert field in refused.value.message_dict
    revisit.refresh_from_db()
    assert revisit.status == RevisitStatus.SCHEDULED


def test_a_revisit_is_recorded_once_and_only_by_who_may(org):
    revisit = revisits.revisits_schedule(order=delivered_order(org.agent_a1))[0]
    for outsider in (org.agent_a2, org.manager_b, org.inspector):
        with pytest.raises(ValidationError):
            revisits.revisit_record(revisit=revisit, by=outsider.user, reached=False)
    revisits.revisit_record(revisit=revisit, by=org.manager_a.user, reached=True, satisfaction=4)
    with pytest.raises(ValidationError) as refused:
        revisits.revisit_record(revisit=revisit, by=org.agent_a1.user, reached=False)
    assert "status" in refused.value.message_dict


def test_reassign_a_revisit_within_the_team(org):
    revisit = revisits.revisits_schedule(order=delivered_order(org.agent_a1))[0]
    with pytest.raises(ValidationError):
        revisits.revisit_reassign(revisit=revisit, assignee=org.agent_a2.user, by=org.agent_a1.user)
    with pytest.raises(ValidationError) as refused:
        revisits.revisit_reassign(
            revisit=revisit, assignee=org.agent_c1.user, by=org.manager_a.user
        )
    assert "assignee" in refused.value.message_dict
    moved = revisits.revisit_reassign(
        revisit=revisit, assignee=org.agent_a2.user, by=org.manager_a.user
    )
    assert moved.assignee_id == org.agent_a2.user_id


@pytest.mark.parametrize(
    "fields",
    [
        {"satisfaction": 0},
        {"satisfaction": 6},
        {"status": "done", "reached": True, "satisfaction": None},
        {"status": "done"},  # no done_at
        {"reached": False, "satisfaction": 3},
    ],
)
def test_the_database_keeps_outcomes_consistent(org, fields):
    revisit = RevisitFactory(order=delivered_order(org.agent_a1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Revisit.objects.filter(pk=revisit.pk).update(**fields)


def test_improvement_items_by_hand_and_their_updates(org):
    item = revisits.improvement_open(title="话术需要更新", by=org.agent_a1.user)
    assert (item.owner_id, item.team_id, item.source) == (
        org.agent_a1.user_id,
        org.team_a.pk,
        "manual",
    )
    with pytest.raises(ValidationError):
        revisits.improvement_update(item=item, by=org.agent_a2.user, status="done")
    with pytest.raises(ValidationError) as refused:
        revisits.improvement_open(title=" ", by=org.agent_a1.user)
    assert "title" in refused.value.message_dict
    done = revisits.improvement_update(
        item=item, by=org.manager_a.user, status="done", notes="已培训"
    )
    assert done.closed_at is not None and done.notes == "已培训"

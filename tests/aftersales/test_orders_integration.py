"""A real delivery through `orders.services` schedules the revisits; a refund cancels them."""

from __future__ import annotations

import pytest

from aftersales.models import Revisit, RevisitStatus

order_moves = pytest.importorskip("orders.services.order_moves")
order_factories = pytest.importorskip("tests.orders.factories")

pytestmark = pytest.mark.django_db


def test_delivering_an_order_schedules_its_revisits_and_a_refund_cancels_them(org):
    order = order_factories.take_order(org.agent_a1, payment_terms="on_delivery")
    by = org.agent_a1.user
    order_moves.order_confirm(order=order, by=by)
    order_moves.order_start_processing(order=order, by=by)
    order_moves.order_ship(order=order, by=by, tracking_number="SF123")
    assert not Revisit.objects.filter(order=order).exists()

    order_moves.order_deliver(order=order, by=by, paid=True)
    scheduled = list(Revisit.objects.filter(order=order).order_by("due_at"))
    assert [r.plan.days_after_delivery for r in scheduled] == [3, 30]
    assert {r.assignee_id for r in scheduled} == {by.pk}

    order_moves.order_refund(order=order, by=by, reason="客户退货")
    assert set(Revisit.objects.filter(order=order).values_list("status", flat=True)) == {
        RevisitStatus.CANCELLED
    }

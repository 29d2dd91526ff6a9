"""Two people moving the same order at once cannot corrupt it (PostgreSQL row locks).

Each move runs in its own thread and database connection, all released at the same
instant. The order row lock serializes them: the second move sees the first's result and
is refused when it is no longer legal, so the status, the event history and the sales
ledger always agree.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders.models import OrderEvent, OrderStatus, SalesEntry
from orders.services import order_moves
from tests.orders.factories import install_limits, take_order
from tests.orders.moves import bring_to
from tests.support import unavailable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        unavailable("row locks (SELECT … FOR UPDATE) need PostgreSQL")


def _run_together(jobs) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list = []
    failures: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            results.append(job())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, failures


def _moves(order):
    return list(
        order.events.filter(kind=OrderEvent.Kind.MOVED)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


def test_two_confirmations_at_once_count_the_sale_once(postgres_only, org):
    install_limits()
    order = take_order(org.agent_a1, quantity=3)
    jobs = [
        lambda: order_moves.order_confirm(order=order, by=org.agent_a1.user),
        lambda: order_moves.order_confirm(order=order, by=org.manager_a.user),
    ]
    results, failures = _run_together(jobs)
    assert len(results) == 1 and len(failures) == 1
    assert isinstance(failures[0], ValidationError)
    assert "status" in failures[0].message_dict
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert _moves(order) == [(OrderStatus.DRAFT, OrderStatus.CONFIRMED)]
    assert SalesEntry.objects.filter(order=order).count() == 1


def test_shipping_and_cancelling_at_once_leave_one_consistent_outcome(postgres_only, org):
    install_limits()
    orders = [
        bring_to(take_order(org.agent_a1), OrderStatus.PROCESSING, org.agent_a1.user)
        for _ in range(5)
    ]
    jobs = []
    for order in orders:
        jobs.append(
            lambda order=order: order_moves.order_ship(
                order=order, by=org.agent_a1.user, tracking_number="SF1"
            )
        )
        jobs.append(
            lambda order=order: order_moves.order_cancel(
                order=order, by=org.manager_a.user, reason="客户取消"
            )
        )
    results, failures = _run_together(jobs)
    assert len(results) == 5 and len(failures) == 5
    assert all(isinstance(error, ValidationError) for error in failures)
    for order in orders:
        order.refresh_from_db()
        assert order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED)
        last = _moves(order)[-1]
        assert last == (OrderStatus.PROCESSING, order.status)
        ledger = sorted(SalesEntry.objects.filter(order=order).values_list("kind", flat=True))
        if order.status == OrderStatus.CANCELLED:
            assert ledger == [SalesEntry.Kind.CANCELLED, SalesEntry.Kind.CONFIRMED]
            assert not order.tracking_number
        else:
            assert ledger == [SalesEntry.Kind.CONFIRMED]
            assert order.tracking_number == "SF1"

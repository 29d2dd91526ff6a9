"""Money received (回款): payments and refunds, installment plans, the allocation of what
was paid (oldest due first), `is_paid`, receivables aging (hand-computed) and its scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders import selectors
from orders.models import OrderStatus, PaymentMethod, PaymentTerms
from orders.services import order_moves, payments
from tests.orders.factories import ProductFactory, take_order

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 12, 6)


def confirmed(member, price="1000.00", **fields):
    order = take_order(member, product=ProductFactory(list_price=price), **fields)
    return order_moves.order_confirm(order=order, by=member.user)


def field_of(error) -> set[str]:
    return set(error.value.message_dict)


def record(order, by, amount, day=None, **extra):
    return payments.payment_record(
        order=order,
        by=by,
        amount=amount,
        method=extra.pop("method", PaymentMethod.WECHAT),
        paid_on=day or timezone.localdate(),
        **extra,
    )


def test_a_confirmed_order_owes_its_total_in_one_installment_due_by_its_terms(org):
    prepaid = confirmed(org.agent_a1)
    net = confirmed(org.agent_a1, payment_terms=PaymentTerms.NET_30)
    today = timezone.localdate()
    (only,) = prepaid.installments.all()
    assert (only.number, only.amount, only.due_on, only.paid_amount) == (1, D("1000"), today, 0)
    assert net.installments.get().due_on == today + dt.timedelta(days=30)


def test_payments_are_allocated_to_installments_oldest_due_first_and_refunds_give_back(org):
    order = confirmed(org.agent_a1, price="900.00", payment_terms=PaymentTerms.INSTALLMENTS)
    today = timezone.localdate()
    payments.installment_plan_set(
        order=order,
        by=org.agent_a1.user,
        rows=[
            (today + dt.timedelta(days=60), "300"),
            (today, "300"),
            (today + dt.timedelta(days=30), "300"),
        ],
    )
    record(order, org.agent_a1.user, "400")
    plan = list(order.installments.order_by("due_on"))
    assert [i.number for i in plan] == [1, 2, 3]
    assert [i.paid_amount for i in plan] == [D("300"), D("100"), D("0")]
    order.refresh_from_db()
    assert not order.is_paid
    record(order, org.agent_a1.user, "500")
    order.refresh_from_db()
    assert order.is_paid
    assert [i.paid_amount for i in order.installments.order_by("due_on")] == [D("300")] * 3
    payments.payment_refund(
        order=order,
        by=org.agent_a1.user,
        amount="350",
        method=PaymentMethod.BANK_TRANSFER,
        paid_on=today,
    )
    order.refresh_from_db()
    assert not order.is_paid
    assert [i.paid_amount for i in order.installments.order_by("due_on")] == [
        D("300"),
        D("250"),
        D("0"),
    ]
    assert payments.paid_total(order) == D("550")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234"])
def test_a_payment_must_be_a_positive_amount(org, amount):
    order = confirmed(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        record(order, org.agent_a1.user, amount)
    assert field_of(error) == {"amount"}


def test_a_payment_cannot_exceed_the_balance_nor_a_refund_what_was_paid(org):
    order = confirmed(org.agent_a1)
    record(order, org.agent_a1.user, "600")
    with pytest.raises(ValidationError) as error:
        record(order, org.agent_a1.user, "400.01")
    assert field_of(error) == {"amount"} and "400.00" in str(error.value)
    with pytest.raises(ValidationError) as error:
        payments.payment_refund(
            order=order,
            by=org.agent_a1.user,
            amount="600.01",
            method=PaymentMethod.CASH,
            paid_on=timezone.localdate(),
        )
    assert field_of(error) == {"amount"}


def test_a_payment_needs_a_method_a_past_day_and_a_confirmed_order(org):
    order = confirmed(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        record(order, org.agent_a1.user, "10", method="bitcoin")
    assert field_of(error) == {"method"}
    with pytest.raises(ValidationError) as error:
        record(order, org.agent_a1.user, "10", day=timezone.localdate() + dt.timedelta(days=1))
    assert field_of(error) == {"paid_on"}
    draft = take_order(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        record(draft, org.agent_a1.user, "10")
    assert field_of(error) == {"order"}
    with pytest.raises(ValidationError) as error:
        record(order, org.agent_b1.user, "10")  # not theirs
    assert field_of(error) == {"order"}


def test_a_plan_must_add_up_to_the_order_total(org):
    order = confirmed(org.agent_a1)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        payments.installment_plan_set(
            order=order, by=org.agent_a1.user, rows=[(today, "500"), (today, "499.99")]
        )
    assert field_of(error) == {"installments"} and "999.99" in str(error.value)
    with pytest.raises(ValidationError) as error:
        payments.installment_plan_set(
            order=order, by=org.agent_a1.user, rows=[(today, "1000.01"), (today, "-0.01")]
        )
    assert field_of(error) == {"installments"}
    with pytest.raises(ValidationError) as error:
        payments.installment_plan_set(order=order, by=org.agent_a1.user, rows=[])
    assert field_of(error) == {"installments"}


def test_a_prepaid_order_is_processed_once_the_payments_cover_it(org):
    order = confirmed(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        order_moves.order_start_processing(order=order, by=org.agent_a1.user)
    assert field_of(error) == {"paid"}
    record(order, org.agent_a1.user, "999")
    with pytest.raises(ValidationError):
        order_moves.order_start_processing(order=order, by=org.agent_a1.user)
    record(order, org.agent_a1.user, "1")
    order_moves.order_start_processing(order=order, by=org.agent_a1.user)
    assert order.status == OrderStatus.PROCESSING


def test_the_moves_payment_tick_records_a_payment_of_the_balance(org):
    order = confirmed(org.agent_a1)
    record(order, org.agent_a1.user, "250")
    order_moves.order_start_processing(order=order, by=org.agent_a1.user, paid=True)
    order.refresh_from_db()
    assert order.is_paid
    amounts = sorted(order.payments.values_list("amount", flat=True))
    assert amounts == [D("250"), D("750")]
    assert order.installments.get().paid_amount == D("1000")


# --- aging ------------------------------------------------------------------------------


def _plan(order, by, rows):
    payments.installment_plan_set(order=order, by=by, rows=rows)


def test_receivables_aging_puts_what_is_owed_in_hand_computed_buckets(org):
    day = TODAY
    order = confirmed(org.agent_a1, price="1500.00", payment_terms=PaymentTerms.INSTALLMENTS)
    # due today (not yet due), 1, 30, 31, 60, 61, 90 and 91 days ago, and next month
    dues = [0, 1, 30, 31, 60, 61, 90, 91, -30]
    amounts = ["100", "110", "120", "130", "140", "150", "160", "170", "420"]
    _plan(
        order,
        org.agent_a1.user,
        [(day - dt.timedelta(days=d), a) for d, a in zip(dues, amounts, strict=True)],
    )
    other = confirmed(org.agent_a2, price="200.00")
    _plan(other, org.agent_a2.user, [(day - dt.timedelta(days=45), "200")])
    # 100 paid: covers the 91-days-late installment (170) in part: 70 remain there.
    record(order, org.agent_a1.user, "100", day=min(day, timezone.localdate()))

    rows = {row["key"]: row for row in selectors.receivables_aging(org.admin.user, today=day)}
    a1 = rows[org.agent_a1.user.pk]
    assert a1["not_due"] == D("100") + D("420")
    assert a1["d1_30"] == D("110") + D("120")
    assert a1["d31_60"] == D("130") + D("140")
    assert a1["d61_90"] == D("150") + D("160")
    assert a1["d90_plus"] == D("70")
    assert a1["total"] == D("1400")
    assert rows[org.agent_a2.user.pk]["d31_60"] == D("200")

    (team,) = selectors.receivables_aging(org.admin.user, by="team", today=day)
    assert (team["key"], team["total"], team["d31_60"]) == (org.team_a.pk, D("1600"), D("470"))
    (department,) = selectors.receivables_aging(org.admin.user, by="department", today=day)
    assert department["key"] == org.east.pk and department["total"] == D("1600")
    assert selectors.aging_totals(list(rows.values()))["total"] == D("1600")
    # In cents on every database (SQLite adds decimals as floats: 1400.000000000).
    assert {str(a1[key]) for key in ("total", "d90_plus", "d1_30")} == {
        "1400.00",
        "70.00",
        "230.00",
    }


def test_paying_an_installment_moves_it_out_of_the_aging_and_cancelled_orders_owe_nothing(org):
    order = confirmed(org.agent_a1, price="300.00", payment_terms=PaymentTerms.INSTALLMENTS)
    today = timezone.localdate()
    _plan(
        order,
        org.agent_a1.user,
        [(today - dt.timedelta(days=40), "100"), (today + dt.timedelta(days=20), "200")],
    )
    (row,) = selectors.receivables_aging(org.agent_a1.user)
    assert (row["d31_60"], row["not_due"]) == (D("100"), D("200"))
    record(order, org.agent_a1.user, "100")
    (row,) = selectors.receivables_aging(org.agent_a1.user)
    assert (row["d31_60"], row["not_due"]) == (D("0"), D("200"))
    order_moves.order_cancel(order=order, by=org.agent_a1.user, reason="客户取消")
    assert selectors.receivables_aging(org.agent_a1.user) == []


def test_receivables_are_scoped_agent_own_manager_team_head_subtree_admin_all(org):
    for member in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1):
        confirmed(member)

    def agents(user):
        return {row["key"] for row in selectors.receivables_aging(user)}

    a1, a2, b1, c1 = (m.user.pk for m in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1))
    assert agents(org.agent_a1.user) == {a1}
    assert agents(org.manager_a.user) == {a1, a2}
    assert agents(org.manager_b.user) == {b1}
    assert agents(org.south_head.user) == {c1}
    assert agents(org.head.user) == {a1, a2, b1, c1}
    assert agents(org.admin.user) == {a1, a2, b1, c1}


def test_installments_carry_their_orders_agent_team_and_reversal(org):
    order = confirmed(org.agent_b1, price="300.00", payment_terms=PaymentTerms.INSTALLMENTS)
    today = timezone.localdate()
    _plan(order, org.agent_b1.user, [(today, "100"), (today + dt.timedelta(days=30), "200")])
    rows = list(order.installments.values_list("agent_id", "team_id", "order_reversed"))
    assert rows == [(org.agent_b1.user.pk, org.team_b.pk, False)] * 2
    order_moves.order_cancel(order=order, by=org.agent_b1.user, reason="客户取消")
    assert set(order.installments.values_list("order_reversed", flat=True)) == {True}


def test_the_aging_of_a_head_reads_the_installments_alone_in_one_query(org):
    """The aging never joins the orders table: its cost follows what is owed, not the
    number of orders (bench: receivables aging at 1M leads)."""
    for member in (org.agent_a1, org.agent_b1, org.agent_c1):
        confirmed(member)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for by in ("agent", "team", "department"):
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.receivables_aging(org.head.user, by=by)
        assert rows
        (sql,) = [q["sql"] for q in queries.captured_queries if "orders_installment" in q["sql"]]
        assert "orders_order" not in sql


# --- reminders --------------------------------------------------------------------------


def test_overdue_installments_remind_the_agent_once_and_the_manager_once_at_n_days(org, settings):
    from crm.models import Notification
    from orders.services.receivable_reminders import receivable_reminders_sweep

    settings.RECEIVABLES_ESCALATION_DAYS = 30
    today = timezone.localdate()
    order = confirmed(org.agent_a1, price="300.00", payment_terms=PaymentTerms.INSTALLMENTS)
    _plan(
        order,
        org.agent_a1.user,
        [
            (today - dt.timedelta(days=31), "100"),  # late: agent and manager
            (today - dt.timedelta(days=2), "100"),  # late: agent only
            (today, "100"),  # due today: nobody yet
        ],
    )
    assert receivable_reminders_sweep() == {"agents": 2, "managers": 1}
    assert receivable_reminders_sweep() == {"agents": 0, "managers": 0}
    agent_notes = Notification.objects.filter(user=org.agent_a1.user, kind="receivable")
    manager_notes = Notification.objects.filter(user=org.manager_a.user, kind="receivable")
    assert agent_notes.count() == 2 and manager_notes.count() == 1
    assert order.number in manager_notes.get().text
    # Markers lost (a crash between the two statements): the keys still hold.
    order.installments.update(reminded_at=None, escalated_at=None)
    receivable_reminders_sweep()
    assert agent_notes.count() == 2 and manager_notes.count() == 1
    # Paid installments and cancelled orders are not reminded.
    other = confirmed(org.agent_a2, price="100.00", payment_terms=PaymentTerms.NET_30)
    _plan(other, org.agent_a2.user, [(today - dt.timedelta(days=5), "100")])
    record(other, org.agent_a2.user, "100")
    assert receivable_reminders_sweep() == {"agents": 0, "managers": 0}

"""Taking orders, editing drafts, discounts and their approval, and every move of the state
machine (legal and illegal, over the whole TRANSITIONS table), with the sales ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Notification
from leads.models import LeadStatus
from orders import selectors
from orders.models import (
    TRANSITIONS,
    Approval,
    OrderEvent,
    OrderStatus,
    PaymentTerms,
    SalesEntry,
)
from orders.services import discounts, order_moves, taking
from orders.signals import order_moved
from tests.leads.factories import LeadFactory
from tests.orders.factories import ProductFactory, take_order
from tests.orders.moves import PATH_TO, bring_to, move, move_kwargs

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in OrderStatus.values for b in OrderStatus.values]
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a] and b != OrderStatus.DRAFT]


def field_of(error: ValidationError) -> set[str]:
    return set(error.value.message_dict)


# --- taking an order -------------------------------------------------------------------


def test_an_order_taken_from_a_lead_carries_customer_agent_team_and_wins_the_lead(org, catalog):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.INTERESTED)
    order = taking.order_create_from_lead(
        lead=lead,
        by=org.agent_a1.user,
        lines=[
            {"product": catalog["broadband"], "quantity": 2, "discount": Decimal("50")},
            {"product": catalog["cloud"].pk, "quantity": 3, "unit_price": "200"},
        ],
        payment_terms=PaymentTerms.NET_30,
        delivery_address="上海市 浦东新区",
        expected_delivery_on=timezone.localdate() + dt.timedelta(days=5),
    )
    assert order.lead == lead and order.agent == org.agent_a1.user
    assert order.team == org.team_a
    assert order.status == OrderStatus.DRAFT
    assert order.number.startswith("SO") and str(order.pk) in order.number
    assert order.list_total == Decimal("2600.00")  # 2×1000 + 3×200
    assert order.discount_total == Decimal("50.00")
    assert order.total == Decimal("2550.00")
    assert order.approval == Approval.NOT_NEEDED  # 1.92% is within the agent's 5%
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.CREATED]
    unit_prices = sorted(order.lines.values_list("unit_price", flat=True))
    assert unit_prices == [Decimal("200.00"), Decimal("1000.00")]


def test_the_unit_price_defaults_to_the_list_price(org, catalog):
    order = take_order(org.agent_a1, product=catalog["cloud"], quantity=2)
    assert order.lines.get().unit_price == Decimal("250.50")
    assert order.total == Decimal("501.00")


def test_a_manager_taking_an_order_on_an_agents_lead_sells_for_the_agent(org, catalog):
    order = take_order(org.agent_a1, by=org.manager_a.user)
    assert order.agent == org.agent_a1.user and order.created_by == org.manager_a.user


def test_a_manager_taking_an_order_on_a_pool_lead_sells_it_themselves(org, catalog):
    lead = LeadFactory(team=org.team_a)
    order = take_order(org.manager_a, lead=lead)
    assert order.agent == org.manager_a.user and order.team == org.team_a


@pytest.mark.parametrize("who", ["agent_a2", "agent_b1", "inspector", "manager_b"])
def test_only_the_owner_or_their_manager_takes_an_order(org, catalog, who):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    with pytest.raises(ValidationError) as error:
        take_order(org.agent_a1, lead=lead, by=getattr(org, who).user)
    assert field_of(error) == {"lead"}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not lead.orders.exists()


@pytest.mark.parametrize("status", [LeadStatus.LOST, LeadStatus.INVALID])
def test_a_closed_lead_takes_no_order(org, catalog, status):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=status)
    with pytest.raises(ValidationError) as error:
        take_order(org.agent_a1, lead=lead)
    assert field_of(error) == {"lead"}


def test_a_won_lead_takes_a_second_order(org, catalog):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.WON)
    take_order(org.agent_a1, lead=lead)
    take_order(org.agent_a1, lead=lead)
    assert lead.orders.count() == 2


@pytest.mark.parametrize(
    "line",
    [
        {},
        {"quantity": 0},
        {"quantity": -1},
        {"discount": "1000.01"},
        {"discount": "-1"},
        {"unit_price": "-5"},
        {"unit_price": "abc"},
        {"product": None},
        {"product": 999999},
    ],
)
def test_bad_lines_are_refused_naming_the_lines(org, catalog, line):
    row = {"product": catalog["broadband"], "quantity": 1, **line}
    rows = [] if line == {} else [row]
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    with pytest.raises(ValidationError) as error:
        taking.order_create_from_lead(lead=lead, by=org.agent_a1.user, lines=rows)
    assert field_of(error) == {"lines"}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_an_inactive_product_cannot_be_sold(org, catalog):
    old = ProductFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        take_order(org.agent_a1, product=old)
    assert field_of(error) == {"lines"}


def test_an_expected_delivery_in_the_past_is_refused(org, catalog):
    with pytest.raises(ValidationError) as error:
        take_order(org.agent_a1, expected_delivery_on=timezone.localdate() - dt.timedelta(days=1))
    assert field_of(error) == {"expected_delivery_on"}


# --- editing a draft ------------------------------------------------------------------------


def test_editing_a_draft_replaces_its_lines_and_recomputes_totals(org, catalog):
    order = take_order(org.agent_a1, product=catalog["broadband"])
    taking.order_edit(
        order=order,
        by=org.agent_a1.user,
        lines=[{"product": catalog["cloud"], "quantity": 4, "discount": "2.00"}],
        notes="改成云服务器",
    )
    order.refresh_from_db()
    assert order.lines.count() == 1
    assert (order.list_total, order.discount_total, order.total) == (
        Decimal("1002.00"),
        Decimal("2.00"),
        Decimal("1000.00"),
    )
    assert order.notes == "改成云服务器"
    assert order.events.filter(kind=OrderEvent.Kind.EDITED).exists()


def test_only_a_draft_is_edited(org, catalog):
    order = bring_to(take_order(org.agent_a1), OrderStatus.CONFIRMED, org.agent_a1.user)
    with pytest.raises(ValidationError) as error:
        taking.order_edit(order=order, by=org.agent_a1.user, notes="x")
    assert field_of(error) == {"status"}


def test_a_colleague_cannot_edit_an_order(org, catalog):
    order = take_order(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        taking.order_edit(order=order, by=org.agent_a2.user, notes="x")
    assert field_of(error) == {"order"}


# --- discounts and approval -----------------------------------------------------------------


def test_a_discount_within_the_agents_limit_needs_no_approval(org, catalog):
    order = take_order(org.agent_a1, discount="50")  # 5% of 1000: at the limit
    assert order.approval == Approval.NOT_NEEDED
    move(order, OrderStatus.CONFIRMED, org.agent_a1.user)
    assert order.status == OrderStatus.CONFIRMED


def test_a_discount_beyond_the_limit_waits_for_the_manager(org, catalog):
    order = take_order(org.agent_a1, discount="100")  # 10%
    assert order.approval == Approval.PENDING
    assert order.events.filter(kind=OrderEvent.Kind.APPROVAL_REQUESTED).exists()
    note = Notification.objects.get(user=org.manager_a.user, kind="order_approval")
    assert order.number in note.text
    with pytest.raises(ValidationError) as error:
        order_moves.order_confirm(order=order, by=org.agent_a1.user)
    assert field_of(error) == {"approval"}
    discounts.order_approve(order=order, by=org.manager_a.user, reason="老客户")
    order.refresh_from_db()
    assert order.approval == Approval.APPROVED and order.approved_by == org.manager_a.user
    assert Notification.objects.filter(user=org.agent_a1.user, kind="order_approval").exists()
    order_moves.order_confirm(order=order, by=org.agent_a1.user)
    assert order.status == OrderStatus.CONFIRMED


@pytest.mark.parametrize(
    "who", ["agent_a1", "agent_a2", "manager_b", "manager_c", "south_head", "inspector"]
)
def test_only_a_manager_head_or_admin_over_the_order_approves(org, catalog, who):
    order = take_order(org.agent_a1, discount="100")
    with pytest.raises(ValidationError) as error:
        discounts.order_approve(order=order, by=getattr(org, who).user)
    assert field_of(error) == {"approval"}
    order.refresh_from_db()
    assert order.approval == Approval.PENDING


@pytest.mark.parametrize("who", ["manager_a", "head", "admin"])
def test_the_manager_the_head_or_an_admin_approves(org, catalog, who):
    order = take_order(org.agent_a1, discount="100")
    discounts.order_approve(order=order, by=getattr(org, who).user)
    assert order.approval == Approval.APPROVED


def test_an_approvers_own_limit_must_cover_the_discount(org, catalog):
    order = take_order(org.agent_a1, discount="200")  # 20%: beyond a manager's 15%
    with pytest.raises(ValidationError):
        discounts.order_approve(order=order, by=org.manager_a.user)
    discounts.order_approve(order=order, by=org.head.user)  # a head's 30%
    assert order.approval == Approval.APPROVED


def test_a_manager_does_not_approve_their_own_discount(org, catalog):
    lead = LeadFactory(owner=org.manager_a.user, team=org.team_a)
    order = take_order(org.manager_a, lead=lead, discount="200")  # beyond 15%
    assert order.approval == Approval.PENDING
    with pytest.raises(ValidationError):
        discounts.order_approve(order=order, by=org.manager_a.user)
    discounts.order_approve(order=order, by=org.head.user)


def test_a_refused_discount_blocks_confirmation_until_lowered(org, catalog):
    order = take_order(org.agent_a1, discount="100")
    with pytest.raises(ValidationError) as error:
        discounts.order_reject(order=order, by=org.manager_a.user, reason="")
    assert field_of(error) == {"reason"}
    discounts.order_reject(order=order, by=org.manager_a.user, reason="折扣太大")
    assert order.approval == Approval.REJECTED
    with pytest.raises(ValidationError) as error:
        order_moves.order_confirm(order=order, by=org.agent_a1.user)
    assert field_of(error) == {"approval"}
    taking.order_edit(
        order=order,
        by=org.agent_a1.user,
        lines=[{"product": catalog["broadband"], "quantity": 1, "discount": "30"}],
    )
    order.refresh_from_db()
    assert order.approval == Approval.NOT_NEEDED
    order_moves.order_confirm(order=order, by=org.agent_a1.user)


def test_changing_an_approved_discount_asks_again(org, catalog):
    order = take_order(org.agent_a1, discount="100")
    discounts.order_approve(order=order, by=org.manager_a.user)
    taking.order_edit(
        order=order,
        by=org.agent_a1.user,
        lines=[{"product": catalog["broadband"], "quantity": 1, "discount": "120"}],
    )
    order.refresh_from_db()
    assert order.approval == Approval.PENDING and order.approved_by is None


def test_no_approval_is_given_on_an_order_that_does_not_wait(org, catalog):
    order = take_order(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        discounts.order_approve(order=order, by=org.manager_a.user)
    assert field_of(error) == {"approval"}


def test_a_role_without_a_limit_gives_no_discount_alone(org, catalog):
    from orders.models import DiscountLimit

    DiscountLimit.objects.filter(role="agent").delete()
    assert take_order(org.agent_a1, discount="1").approval == Approval.PENDING


# --- the state machine ----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "to"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_legal_move(org, catalog, start, to):
    order = bring_to(take_order(org.agent_a1), start, org.agent_a1.user)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    order_moved.connect(listener)
    try:
        move(order, to, org.agent_a1.user)
    finally:
        order_moved.disconnect(listener)
    order.refresh_from_db()
    assert order.status == to
    event = order.events.filter(kind=OrderEvent.Kind.MOVED).order_by("-at", "-id").first()
    assert (event.from_status, event.to_status, event.by) == (start, to, org.agent_a1.user)
    assert event.reason == move_kwargs(to)["reason"]
    assert [(r["from_status"], r["to_status"], r["by"]) for r in received] == [
        (start, to, org.agent_a1.user)
    ]
    assert received[0]["order"].pk == order.pk


@pytest.mark.parametrize(("start", "to"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_move_is_refused_with_a_clear_error(org, catalog, start, to):
    order = bring_to(take_order(org.agent_a1), start, org.agent_a1.user)
    events = order.events.count()
    with pytest.raises(ValidationError) as error:
        move(order, to, org.agent_a1.user)
    assert field_of(error) == {"status"}
    message = error.value.message_dict["status"][0]
    assert str(OrderStatus(start).label) in message and str(OrderStatus(to).label) in message
    order.refresh_from_db()
    assert order.status == start and order.events.count() == events


def test_moves_record_their_facts(org, catalog):
    agent = org.agent_a1.user
    order = take_order(org.agent_a1)
    order_moves.order_confirm(order=order, by=agent)
    assert order.confirmed_at is not None
    with pytest.raises(ValidationError) as error:
        order_moves.order_start_processing(order=order, by=agent)
    assert field_of(error) == {"paid"}  # prepaid: the payment first
    order_moves.order_start_processing(order=order, by=agent, paid=True)
    assert order.is_paid and order.events.filter(kind=OrderEvent.Kind.PAID).exists()
    with pytest.raises(ValidationError) as error:
        order_moves.order_ship(order=order, by=agent, tracking_number="  ")
    assert field_of(error) == {"tracking_number"}
    order_moves.order_ship(order=order, by=agent, tracking_number="SF100")
    assert order.tracking_number == "SF100" and order.shipped_at
    order_moves.order_deliver(order=order, by=agent)
    assert order.delivered_at
    order_moves.order_complete(order=order, by=agent)
    assert order.closed_at


def test_an_order_on_invoice_is_processed_before_payment(org, catalog):
    order = take_order(org.agent_a1, payment_terms=PaymentTerms.NET_30)
    bring_to(order, OrderStatus.CONFIRMED, org.agent_a1.user)
    order_moves.order_start_processing(order=order, by=org.agent_a1.user)
    assert order.status == OrderStatus.PROCESSING and not order.is_paid


@pytest.mark.parametrize("to", [OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_cancel_and_refund_need_a_reason(org, catalog, to):
    start = OrderStatus.DRAFT if to == OrderStatus.CANCELLED else OrderStatus.DELIVERED
    order = bring_to(take_order(org.agent_a1), start, org.agent_a1.user)
    with pytest.raises(ValidationError) as error:
        order_moves.MOVES[to](order=order, by=org.agent_a1.user, reason=" ")
    assert field_of(error) == {"reason"}


@pytest.mark.parametrize("who", ["agent_a2", "agent_b1", "inspector", "manager_b"])
def test_others_cannot_move_an_order(org, catalog, who):
    order = take_order(org.agent_a1)
    with pytest.raises(ValidationError) as error:
        order_moves.order_confirm(order=order, by=getattr(org, who).user)
    assert field_of(error) == {"order"}


@pytest.mark.parametrize("who", ["manager_a", "head", "admin"])
def test_the_manager_head_or_admin_may_step_in(org, catalog, who):
    order = take_order(org.agent_a1)
    order_moves.order_confirm(order=order, by=getattr(org, who).user)
    assert order.status == OrderStatus.CONFIRMED


# --- the sales ledger -----------------------------------------------------------------------


def test_confirming_counts_the_total_for_the_agent_and_team_today(org, catalog):
    order = take_order(org.agent_a1, quantity=3, discount="100")  # 3000 - 100, 3.33%
    order_moves.order_confirm(order=order, by=org.agent_a1.user)
    entry = SalesEntry.objects.get(order=order)
    assert (entry.kind, entry.amount, entry.agent, entry.team, entry.day) == (
        SalesEntry.Kind.CONFIRMED,
        Decimal("2900.00"),
        org.agent_a1.user,
        org.team_a,
        timezone.localdate(),
    )


def test_a_draft_cancelled_never_counted(org, catalog):
    order = take_order(org.agent_a1)
    order_moves.order_cancel(order=order, by=org.agent_a1.user, reason="客户不要了")
    assert not SalesEntry.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("start", "to", "kind"),
    [
        (OrderStatus.CONFIRMED, OrderStatus.CANCELLED, SalesEntry.Kind.CANCELLED),
        (OrderStatus.PROCESSING, OrderStatus.CANCELLED, SalesEntry.Kind.CANCELLED),
        (OrderStatus.DELIVERED, OrderStatus.REFUNDED, SalesEntry.Kind.REFUNDED),
        (OrderStatus.COMPLETED, OrderStatus.REFUNDED, SalesEntry.Kind.REFUNDED),
    ],
)
def test_a_reversal_takes_the_amount_back(org, catalog, start, to, kind):
    order = bring_to(take_order(org.agent_a1, quantity=2), start, org.agent_a1.user)
    move(order, to, org.agent_a1.user)
    amounts = dict(SalesEntry.objects.filter(order=order).values_list("kind", "amount"))
    assert amounts == {SalesEntry.Kind.CONFIRMED: Decimal("2000.00"), kind: Decimal("-2000.00")}


def test_a_retried_ledger_write_counts_once(org, catalog):
    order = bring_to(take_order(org.agent_a1), OrderStatus.CONFIRMED, org.agent_a1.user)
    order_moves._ledger(
        order, kind=SalesEntry.Kind.CONFIRMED, amount=order.total, at=timezone.now()
    )
    assert SalesEntry.objects.filter(order=order).count() == 1


def test_the_overdue_flag_is_computed_in_sql(org, catalog):
    from orders.models import Order

    late = take_order(org.agent_a1)
    on_time = take_order(org.agent_a1, expected_delivery_on=timezone.localdate())
    delivered = bring_to(take_order(org.agent_a1), OrderStatus.DELIVERED, org.agent_a1.user)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Order.objects.filter(pk__in=[late.pk, delivered.pk]).update(expected_delivery_on=yesterday)
    flags = dict(selectors.my_orders(org.agent_a1.user).values_list("pk", "delivery_overdue"))
    assert flags == {late.pk: True, on_time.pk: False, delivered.pk: False}
    assert [o.pk for o in selectors.my_orders(org.agent_a1.user, filters={"overdue": True})] == [
        late.pk
    ]
    late.refresh_from_db()
    assert late.is_delivery_overdue()


def test_path_table_covers_every_status():
    assert set(PATH_TO) == set(OrderStatus.values)

"""Order pages: my orders, the team's orders (with approvals waiting), an order's page with
its moves and timeline, taking an order from a lead, editing a draft, the export.

Views parse with a form, call one service and render. Every order comes through
`orders.access.visible_orders` (via `orders.selectors`), so an order outside the user's scope
answers 404 like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import access, exports
from crm.api import user_name
from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)
from leads.access import can_work_lead
from leads.selectors.leads import lead_for_page
from orders import access as orders_access

from .. import selectors
from ..forms import (
    InstallmentFormSet,
    MoveForm,
    OrderDetailsForm,
    OrderFilterForm,
    OrderLineFormSet,
    PaymentForm,
    ReasonForm,
)
from ..models import SOLD_STATUSES, TRANSITIONS, ZERO, Order, OrderStatus
from ..services import discounts, order_moves, taking

#: The buttons of the moves, in the order they are offered.
MOVE_LABELS = {
    OrderStatus.CONFIRMED: gettext_lazy("Confirm with the customer"),
    OrderStatus.PROCESSING: gettext_lazy("Start processing"),
    OrderStatus.SHIPPED: gettext_lazy("Ship"),
    OrderStatus.DELIVERED: gettext_lazy("Mark delivered"),
    OrderStatus.COMPLETED: gettext_lazy("Complete"),
    OrderStatus.CANCELLED: gettext_lazy("Cancel the order"),
    OrderStatus.REFUNDED: gettext_lazy("Refund / return"),
}
REASON_REQUIRED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


_BADGE = {
    OrderStatus.DRAFT: "text-bg-light border",
    OrderStatus.DELIVERED: "text-bg-success",
    OrderStatus.COMPLETED: "text-bg-success",
    OrderStatus.CANCELLED: "text-bg-secondary",
    OrderStatus.REFUNDED: "text-bg-secondary",
}


def _for_display(rows):
    """Prepare what each list row prints, once per row in Python.

    The template only prints: `{% url %}`, the `date` filter and an include per row cost
    more than the query itself (figures in `bench/orders_measure.py`).
    """
    detail = reverse("orders:detail", args=[0])[:-2]
    lead = reverse("leads:detail", args=[0])[:-2]
    for order in rows:
        order.url = f"{detail}{order.pk}/"
        order.lead_url = f"{lead}{order.lead_id}/"
        order.created_display = timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")
        expected = order.expected_delivery_on
        order.expected_display = expected.strftime("%Y-%m-%d") if expected else "—"
        order.badge_class = _BADGE.get(order.status, "text-bg-primary")
    return rows


# --- lists --------------------------------------------------------------------------------


@allowed_if(orders_access.can_take_orders)
@require_GET
def my_orders(request):
    form = OrderFilterForm(request.GET or None, user=request.user, with_agent=False)
    rows = selectors.my_orders(request.user, filters=form.filters() if form.is_bound else {})
    return render(
        request,
        "orders/list.html",
        {
            "title": _("My orders"),
            "form": form,
            "page": _for_display(
                selectors.page_of(rows, request.GET.get("page"), user=request.user)
            ),
            "query": query_without_page(request),
            "show_agent": False,
        },
    )


@allowed_if(access.can_see_team_pages)
@require_GET
def team_orders(request):
    form = OrderFilterForm(request.GET or None, user=request.user)
    rows = selectors.team_orders(request.user, filters=form.filters() if form.is_bound else {})
    can_export = orders_access.can_manage_orders(request.user)
    return render(
        request,
        "orders/list.html",
        {
            "title": _("Team orders"),
            "form": form,
            "page": _for_display(
                selectors.page_of(rows, request.GET.get("page"), user=request.user)
            ),
            "query": query_without_page(request),
            "show_agent": True,
            "approvals": (
                _for_display(list(selectors.approvals_waiting(request.user)[:50]))
                if orders_access.can_approve_discounts(request.user)
                else None
            ),
            "can_export": can_export,
            "export_formats": exports.FORMATS,
        },
    )


def _export_rows(rows):
    def day(value):
        return value.strftime("%Y-%m-%d") if value else ""

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for order in rows.iterator(chunk_size=2000):
        yield [
            order.number,
            order.lead.name,
            order.lead.phone_masked,
            order.get_status_display(),
            user_name(order.agent),
            order.team.name if order.team else "",
            order.list_total,
            order.discount_total,
            order.total,
            order.get_approval_display(),
            order.get_payment_terms_display(),
            _("yes") if order.is_paid else _("no"),
            day(order.expected_delivery_on),
            _("yes") if order.delivery_overdue else "",
            when(order.created_at),
            when(order.confirmed_at),
            when(order.delivered_at),
        ]


@allowed_if(orders_access.can_manage_orders)
@require_GET
def export(request):
    """The filtered orders in scope as CSV or Excel (phones masked), capped."""
    form = OrderFilterForm(request.GET or None, user=request.user)
    rows = selectors.team_orders(request.user, filters=form.filters() if form.is_bound else {})
    total = rows.count()
    limit = exports.max_rows()
    if total > limit:
        messages.error(
            request,
            _("%(n)d orders match; an export holds at most %(max)d. Narrow the filters.")
            % {"n": total, "max": limit},
        )
        return redirect(reverse("orders:team") + f"?{query_without_page(request)}")
    header = [
        _("Order number"),
        _("Customer"),
        _("Phone"),
        _("Status"),
        _("Agent"),
        _("Team"),
        _("List total"),
        _("Discount"),
        _("Total"),
        _("Discount approval"),
        _("Payment terms"),
        _("Paid"),
        _("Expected delivery"),
        _("Delivery overdue"),
        _("Created at"),
        _("Confirmed at"),
        _("Delivered at"),
    ]
    return exports.export_response(
        request=request,
        kind="orders",
        stem="orders",
        sheet_title=_("Orders"),
        header=header,
        rows=_export_rows(rows),
        fmt=exports.chosen_format(request.GET.get("format")),
    )


# --- one order ----------------------------------------------------------------------------


def _order_or_404(request, pk: int) -> Order:
    return get_object_or_404(selectors.order_for_page(request.user), pk=pk)


def render_detail(request, order: Order, *, payment_form=None, plan_formset=None, status=200):
    """The order's page; the money forms come back bound when they were refused."""
    order = _for_display([order])[0]
    may_work = orders_access.can_work_order(request.user, order)
    moves = (
        [(to, MOVE_LABELS[to], to in REASON_REQUIRED) for to in TRANSITIONS[order.status]]
        if may_work
        else []
    )
    installments = selectors.installments_of(order)
    payments = list(selectors.payments_of(order))
    paid = sum((payment.amount for payment in payments), ZERO)
    takes_money = may_work and order.status in SOLD_STATUSES
    if takes_money and plan_formset is None:
        plan_formset = InstallmentFormSet(
            prefix="plan",
            initial=[{"due_on": row.due_on, "amount": row.amount} for row in installments],
        )
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "events": list(order.events.all()),
            "may_work": may_work,
            "moves": moves,
            "may_approve": order.approval == "pending"
            and order.status == OrderStatus.DRAFT
            and orders_access.can_approve_order(request.user, order),
            "installments": installments,
            "payments": payments,
            "paid_total": paid,
            "balance": order.total - paid,
            "takes_money": takes_money,
            "payment_form": payment_form or (PaymentForm() if takes_money else None),
            "plan_formset": plan_formset if takes_money else None,
        },
        status=status,
    )


@staff_required
@require_GET
def detail(request, pk: int):
    return render_detail(request, _order_or_404(request, pk))


@staff_required
@require_POST
def move(request, pk: int, to: str):
    order = _order_or_404(request, pk)
    if to not in order_moves.MOVES:
        messages.error(request, _("Unknown move."))
        return redirect("orders:detail", pk=order.pk)
    form = MoveForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    kwargs = {"order": order, "by": request.user, "reason": data.get("reason", "")}
    if to == OrderStatus.SHIPPED:
        kwargs["tracking_number"] = data.get("tracking_number", "")
    if to in (OrderStatus.PROCESSING, OrderStatus.DELIVERED):
        kwargs["paid"] = bool(data.get("paid"))
    try:
        order_moves.MOVES[to](**kwargs)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Order %(number)s: %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
    return redirect("orders:detail", pk=order.pk)


def _approval(request, pk: int, service):
    order = _order_or_404(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        service(order=order, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Order %(number)s: %(approval)s.")
            % {"number": order.number, "approval": order.get_approval_display()},
        )
    back = request.POST.get("next")
    if back == "team":
        return redirect("orders:team")
    return redirect("orders:detail", pk=order.pk)


@allowed_if(orders_access.can_approve_discounts)
@require_POST
def approve(request, pk: int):
    return _approval(request, pk, discounts.order_approve)


@allowed_if(orders_access.can_approve_discounts)
@require_POST
def reject(request, pk: int):
    return _approval(request, pk, discounts.order_reject)


# --- taking and editing -------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def create(request, lead_pk: int):
    """Take an order from the lead page: terms and a formset of lines."""
    lead = get_object_or_404(lead_for_page(request.user), pk=lead_pk)
    if not can_work_lead(request.user, lead) or not (
        orders_access.can_take_orders(request.user) or orders_access.can_manage_orders(request.user)
    ):
        messages.error(request, _("Only the lead's owner or their manager may take an order."))
        return redirect("leads:detail", pk=lead.pk)
    details = OrderDetailsForm(request.POST or None, initial={"payment_terms": "prepaid"})
    formset = OrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and details.is_valid() and formset.is_valid():
        try:
            order = taking.order_create_from_lead(
                lead=lead, by=request.user, lines=formset.lines(), **details.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(details, error)
        else:
            messages.success(request, _("Order %(number)s taken.") % {"number": order.number})
            return redirect("orders:detail", pk=order.pk)
    return render(
        request,
        "orders/form.html",
        {"lead": lead, "order": None, "details": details, "formset": formset},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """Change a draft's lines and terms."""
    order = _order_or_404(request, pk)
    if order.status != OrderStatus.DRAFT or not orders_access.can_work_order(request.user, order):
        messages.error(request, _("Only a draft order can be edited, by its agent or manager."))
        return redirect("orders:detail", pk=order.pk)
    initial_lines = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
        }
        for line in order.lines.all()
    ]
    details = OrderDetailsForm(
        request.POST or None,
        initial={
            "payment_terms": order.payment_terms,
            "delivery_address": order.delivery_address,
            "expected_delivery_on": order.expected_delivery_on,
            "notes": order.notes,
        },
    )
    formset = OrderLineFormSet(request.POST or None, prefix="lines", initial=initial_lines)
    if request.method == "POST" and details.is_valid() and formset.is_valid():
        try:
            taking.order_edit(
                order=order, by=request.user, lines=formset.lines(), **details.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(details, error)
        else:
            messages.success(request, _("Order %(number)s saved.") % {"number": order.number})
            return redirect("orders:detail", pk=order.pk)
    return render(
        request,
        "orders/form.html",
        {"lead": order.lead, "order": order, "details": details, "formset": formset},
    )


from . import money  # noqa: E402  (its views use render_detail above)

urlpatterns = [
    path("receivables/", money.receivables, name="receivables"),
    path("receivables/export/", money.receivables_export, name="receivables_export"),
    path("<int:pk>/payments/", money.payment_create, name="payment_create"),
    path("<int:pk>/plan/", money.plan_save, name="plan_save"),
    path("", my_orders, name="mine"),
    path("team/", team_orders, name="team"),
    path("team/export/", export, name="export"),
    path("new/<int:lead_pk>/", create, name="create"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/move/<str:to>/", move, name="move"),
    path("<int:pk>/approve/", approve, name="approve"),
    path("<int:pk>/reject/", reject, name="reject"),
]

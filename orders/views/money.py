"""Money pages: recording a payment or refund and setting the installment plan on the
order's page, and the receivables aging (应收账款账龄) per agent, team or department.

Views parse with a form and call one service (`orders.services.payments`); a refusal is
shown next to the field it names, on the order's page rendered again (status 400)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm import exports
from crm.views import apply_service_errors, error_messages, staff_required

from .. import selectors
from ..forms import InstallmentFormSet, PaymentForm, ReceivablesForm
from ..models import PaymentKind
from ..services import payments


def _order(request, pk: int):
    return get_object_or_404(selectors.order_for_page(request.user), pk=pk)


@staff_required
@require_POST
def payment_create(request, pk: int):
    from . import render_detail

    order = _order(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        service = (
            payments.payment_refund
            if data["kind"] == PaymentKind.REFUND
            else payments.payment_record
        )
        try:
            service(
                order=order,
                by=request.user,
                amount=data["amount"],
                method=data["method"],
                paid_on=data["paid_on"],
                reference=data["reference"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(kind)s of %(amount)s recorded on %(number)s.")
                % {
                    "kind": PaymentKind(data["kind"]).label,
                    "amount": data["amount"],
                    "number": order.number,
                },
            )
            return redirect("orders:detail", pk=order.pk)
    order.refresh_from_db()
    return render_detail(request, order, payment_form=form, status=400)


@staff_required
@require_POST
def plan_save(request, pk: int):
    from . import render_detail

    order = _order(request, pk)
    formset = InstallmentFormSet(request.POST, prefix="plan")
    errors: list[str] = []
    if formset.is_valid():
        try:
            payments.installment_plan_set(order=order, by=request.user, rows=formset.rows())
        except ValidationError as error:
            errors = error_messages(error)
        else:
            messages.success(
                request, _("Payment plan of %(number)s saved.") % {"number": order.number}
            )
            return redirect("orders:detail", pk=order.pk)
    formset.plan_errors = errors
    order.refresh_from_db()
    return render_detail(request, order, plan_formset=formset, status=400)


def _aging(request):
    form = ReceivablesForm(request.GET or None)
    by = (form.cleaned_data.get("by") if form.is_valid() else "") or "agent"
    today = timezone.localdate()
    rows = selectors.receivables_aging(request.user, by=by, today=today)
    return form, by, today, rows


@staff_required
@require_GET
def receivables(request):
    form, by, today, rows = _aging(request)
    buckets = [(key, str(label)) for key, label, *_range in selectors.AGING_BUCKETS]
    # Each row's cells in the buckets' order: the template writes a cell per bucket without
    # searching the row for it (a head's table has hundreds of rows).
    for row in rows:
        row["cells"] = [(key, label, row[key]) for key, label in buckets]
    totals = selectors.aging_totals(rows)
    totals["cells"] = [(key, label, totals[key]) for key, label in buckets]
    return render(
        request,
        "orders/receivables.html",
        {
            "form": form,
            "by": by,
            "today": today,
            "rows": rows,
            "totals": totals,
            "buckets": selectors.AGING_BUCKETS,
            "export_formats": exports.FORMATS,
        },
    )


@staff_required
@require_GET
def receivables_export(request):
    _form, _by, today, rows = _aging(request)
    header = [_("Name"), *[str(label) for _key, label, *_r in selectors.AGING_BUCKETS], _("Total")]
    lines = (
        [row["name"], *[row[key] for key, *_r in selectors.AGING_BUCKETS], row["total"]]
        for row in rows
    )
    return exports.export_response(
        request=request,
        kind="receivables",
        stem=f"receivables-{today:%Y%m%d}",
        sheet_title=_("Receivables"),
        header=header,
        rows=lines,
        fmt=exports.chosen_format(request.GET.get("format")),
    )

"""Customers pages: the list and search, the customer page, contacts, the repeat sale, the
duplicates, the merge screen and undo.

Views parse with a form, call one service and render; rows come from
`customers.selectors` (scoped by `customers.access`), so a customer outside the user's
scope answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)

from . import access, selectors
from .forms import ContactForm, CustomerSearchForm, HistoryForm, MergeForm
from .models import Merge
from .services import linking, merging

PAGE_SIZE = 50


@staff_required
@require_GET
def customer_list(request):
    form = CustomerSearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    rows = selectors.customers_for_list(request.user, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "may_merge": access.can_merge_customers(request.user),
        },
    )


def _page_context(request, customer, contact_form=None) -> dict:
    may_edit = access.can_edit_customer(request.user, customer)
    shown_form = HistoryForm(request.GET)
    asked = shown_form.cleaned_data["events"] if shown_form.is_valid() else None
    shown = selectors.history_events_shown(asked)
    history = selectors.customer_history(customer, events=shown)
    return {
        "customer": customer,
        "contacts": list(customer.contacts.all()),
        "history": history,
        "lead_for_order": history.lead_for_order,
        "more_events": (
            shown + selectors.HISTORY_PAGE
            if history.more_events and shown < selectors.HISTORY_LIMIT
            else None
        ),
        "merges": list(selectors.merges_of(customer)[:20]),
        "may_edit": may_edit,
        "may_merge": access.can_merge_customers(request.user),
        "contact_form": (contact_form or ContactForm()) if may_edit else None,
    }


@staff_required
@require_GET
def customer_detail(request, pk: int):
    customer = get_object_or_404(selectors.customer_for_page(request.user), pk=pk)
    return render(request, "customers/customer_detail.html", _page_context(request, customer))


@staff_required
@require_GET
def duplicates_panel(request, pk: int):
    """The customer page's "possible duplicates" (htmx, loaded after the page: a name
    similarity search may take longer than the page itself)."""
    customer = get_object_or_404(selectors.customer_for_page(request.user), pk=pk)
    return render(
        request,
        "customers/partials/duplicates.html",
        {
            "customer": customer,
            "duplicates": selectors.duplicates_for(request.user, customer),
            "may_merge": access.can_merge_customers(request.user),
        },
    )


@staff_required
@require_POST
def contact_add(request, pk: int):
    customer = get_object_or_404(selectors.customer_for_page(request.user), pk=pk)
    if not access.can_edit_customer(request.user, customer):
        return redirect("customers:detail", pk=pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            linking.contact_add(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("customers:detail", pk=pk)
    context = _page_context(request, customer, contact_form=form)
    return render(request, "customers/customer_detail.html", context, status=400)


@staff_required
@require_GET
def new_order(request, pk: int):
    """A repeat sale: the order form of the customer's latest open or won lead."""
    customer = get_object_or_404(selectors.customer_for_page(request.user), pk=pk)
    lead = selectors.lead_for_new_order(customer)
    if lead is None:
        messages.error(
            request, _("Every lead of this customer is closed: there is none to sell on.")
        )
        return redirect("customers:detail", pk=pk)
    return redirect("orders:create", lead_pk=lead.pk)


@allowed_if(access.can_merge_customers)
@require_GET
def duplicate_list(request):
    return render(
        request,
        "customers/duplicate_list.html",
        {"pairs": selectors.duplicate_pairs(request.user)},
    )


@allowed_if(access.can_merge_customers)
@require_http_methods(["GET", "POST"])
def merge(request, pk: int, other: int):
    """The merge screen: `pk` is kept, `other` is merged into it; each field's value chosen."""
    visible = selectors.customer_for_page(request.user)
    winner = get_object_or_404(visible, pk=pk)
    loser = get_object_or_404(visible, pk=other)
    form = MergeForm(request.POST or None, winner=winner, loser=loser)
    if request.method == "POST" and form.is_valid():
        try:
            merging.customers_merge(
                winner=winner, loser=loser, by=request.user, choices=form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The customers were merged. You can undo it below."))
            return redirect("customers:detail", pk=winner.pk)
    return render(
        request,
        "customers/merge.html",
        {
            "form": form,
            "winner": winner,
            "loser": loser,
            "winner_leads": winner.leads.count(),
            "loser_leads": loser.leads.count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@allowed_if(access.can_merge_customers)
@require_POST
def merge_undo(request, pk: int):
    record = get_object_or_404(access.visible_merges(request.user), pk=pk)
    try:
        merging.merge_undo(merge=record, by=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("customers:detail", pk=record.winner_id)


__all__ = ["Merge"]

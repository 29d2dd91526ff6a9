"""After-sales pages: tickets, revisits, improvement items and the worklist panel.

Views parse with a form, call one service and render. Rows come from `aftersales.selectors`
(scoped by `crm.access`), so a ticket or revisit outside the user's scope answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales import access as aftersales_access
from crm import access
from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)
from leads import access as leads_access
from orders.models import Order

from . import selectors
from .forms import (
    ImprovementForm,
    ImprovementUpdateForm,
    ReassignForm,
    RevisitRecordForm,
    TicketMoveForm,
    TicketOpenForm,
)
from .models import ImprovementItem, RevisitStatus, TicketStatus
from .services import revisits as revisit_services
from .services import tickets as ticket_services

PAGE_SIZE = 50


def _view_of(request) -> str:
    view = request.GET.get("view", "mine")
    if view == "team" and access.can_see_team_pages(request.user):
        return "team"
    return "mine"


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return page, query_without_page(request)


# --- tickets ------------------------------------------------------------------------------


@staff_required
@require_GET
def ticket_list(request):
    view = _view_of(request)
    status = request.GET.get("status", "active")
    if status not in ("active", "all", *TicketStatus.values):
        status = "active"
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.tickets_for_list(request.user, view=view, status=status, overdue=overdue)
    page, query = _page(request, rows)
    return render(
        request,
        "aftersales/ticket_list.html",
        {
            "page": page,
            "query": query,
            "view": view,
            "status": status,
            "overdue": overdue,
            "statuses": TicketStatus.choices,
            "may_see_team": access.can_see_team_pages(request.user),
            "now": timezone.now(),
        },
    )


def _ticket_context(request, ticket, move_form=None, reassign_form=None) -> dict:
    may_work = aftersales_access.can_work_ticket(request.user, ticket)
    may_reassign = aftersales_access.can_manage_service(request.user)
    return {
        "ticket": ticket,
        "events": selectors.ticket_events(ticket),
        "moves": ticket_services.moves_for(ticket=ticket) if may_work else [],
        "move_form": move_form or TicketMoveForm(),
        "reassign_form": (reassign_form or ReassignForm(user=request.user))
        if may_reassign
        else None,
        "revisits": ticket.revisits.select_related("order"),
        "now": timezone.now(),
    }


@staff_required
@require_GET
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(selectors.ticket_for_page(request.user), pk=pk)
    return render(request, "aftersales/ticket_detail.html", _ticket_context(request, ticket))


@allowed_if(aftersales_access.can_work_service)
@require_POST
def ticket_move(request, pk: int, move: str):
    ticket = get_object_or_404(selectors.ticket_for_page(request.user), pk=pk)
    if move not in ticket_services.MOVE_SERVICES:
        raise Http404
    form = TicketMoveForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    arguments = {"resolve": "resolution", "reopen": "reason"}.get(move, "note")
    try:
        ticket_services.MOVE_SERVICES[move](ticket=ticket, by=request.user, **{arguments: note})
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            error = ValidationError(
                {"note" if k in (arguments, "note") else k: v for k, v in error.error_dict.items()}
            )
        apply_service_errors(form, error)
        context = _ticket_context(request, ticket, move_form=form)
        context["failed_move"] = move
        return render(request, "aftersales/ticket_detail.html", context, status=400)
    messages.success(request, _("Ticket updated."))
    return redirect("aftersales:ticket_detail", pk=ticket.pk)


@allowed_if(aftersales_access.can_manage_service)
@require_POST
def ticket_reassign(request, pk: int):
    ticket = get_object_or_404(selectors.ticket_for_page(request.user), pk=pk)
    form = ReassignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            ticket_services.ticket_reassign(
                ticket=ticket, assignee=form.cleaned_data["assignee"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Ticket reassigned."))
            return redirect("aftersales:ticket_detail", pk=ticket.pk)
    context = _ticket_context(request, ticket, reassign_form=form)
    return render(request, "aftersales/ticket_detail.html", context, status=400)


@allowed_if(aftersales_access.can_work_service)
@require_http_methods(["GET", "POST"])
def ticket_open(request):
    """Open a ticket for a customer (`?lead=`) or one of their orders (`?order=`)."""
    source = request.POST if request.method == "POST" else request.GET
    lead, order = _customer_of(request, source)
    form = TicketOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_services.ticket_open(
                lead=lead, order=order, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Ticket opened."))
            return redirect("aftersales:ticket_detail", pk=ticket.pk)
    return render(
        request,
        "aftersales/ticket_open.html",
        {"form": form, "lead": lead, "order": order},
        status=400 if request.method == "POST" else 200,
    )


def _customer_of(request, source):
    """The lead (and order) a ticket is opened for, both within the user's scope."""
    leads = leads_access.visible_leads(request.user)
    order = None
    order_id = source.get("order", "")
    if order_id:
        if not str(order_id).isdigit():
            raise Http404
        order = get_object_or_404(
            Order.objects.select_related("lead", "agent", "team"), pk=order_id, lead__in=leads
        )
        return order.lead, order
    lead_id = source.get("lead", "")
    if not str(lead_id).isdigit():
        raise Http404
    return get_object_or_404(leads, pk=lead_id), None


# --- revisits -----------------------------------------------------------------------------


@staff_required
@require_GET
def revisit_list(request):
    view = _view_of(request)
    when = request.GET.get("when", "due")
    if when not in ("due", "scheduled", "done", "all"):
        when = "due"
    overdue = request.GET.get("overdue") == "1"
    drop = request.GET.get("drop", "")
    drop_id = int(drop) if drop.isdigit() and len(drop) < 10 else None
    rows = selectors.revisits_for_list(
        request.user, view=view, when=when, overdue=overdue, drop_id=drop_id
    )
    page, query = _page(request, rows)
    return render(
        request,
        "aftersales/revisit_list.html",
        {
            "page": page,
            "query": query,
            "view": view,
            "when": when,
            "overdue": overdue,
            "drop_id": drop_id,
            "may_see_team": access.can_see_team_pages(request.user),
            "now": timezone.now(),
        },
    )


def _revisit_context(request, revisit, form=None) -> dict:
    may_record = revisit.status == RevisitStatus.SCHEDULED and aftersales_access.can_record_revisit(
        request.user, revisit
    )
    return {
        "revisit": revisit,
        "form": (form or RevisitRecordForm()) if may_record else None,
        "may_open_ticket": aftersales_access.can_work_service(request.user),
        "now": timezone.now(),
    }


@staff_required
@require_GET
def revisit_detail(request, pk: int):
    revisit = get_object_or_404(selectors.revisit_for_page(request.user), pk=pk)
    return render(request, "aftersales/revisit_detail.html", _revisit_context(request, revisit))


@allowed_if(aftersales_access.can_work_service)
@require_POST
def revisit_record(request, pk: int):
    revisit = get_object_or_404(selectors.revisit_for_page(request.user), pk=pk)
    form = RevisitRecordForm(request.POST)
    if form.is_valid():
        try:
            revisit = revisit_services.revisit_record(
                revisit=revisit, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if revisit.ticket_id:
                messages.warning(request, _("Revisit recorded; a complaint ticket was opened."))
                return redirect("aftersales:ticket_detail", pk=revisit.ticket_id)
            messages.success(request, _("Revisit recorded."))
            return redirect("aftersales:revisit_detail", pk=revisit.pk)
    context = _revisit_context(request, revisit, form=form)
    return render(request, "aftersales/revisit_detail.html", context, status=400)


# --- improvement items --------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def improvement_list(request):
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *ImprovementItem.Status.values):
        status = "open"
    may_add = aftersales_access.can_work_service(request.user)
    form = ImprovementForm(request.POST or None)
    if request.method == "POST":
        if not may_add:
            raise Http404
        if form.is_valid():
            try:
                revisit_services.improvement_open(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Improvement item added."))
                return redirect("aftersales:improvement_list")
    rows = selectors.improvements_for_list(request.user, status=status)
    page, query = _page(request, rows)
    return render(
        request,
        "aftersales/improvement_list.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "statuses": ImprovementItem.Status.choices,
            "form": form if may_add else None,
            "may_manage": aftersales_access.can_manage_service(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@allowed_if(aftersales_access.can_work_service)
@require_POST
def improvement_update(request, pk: int):
    item = get_object_or_404(aftersales_access.visible_improvements(request.user), pk=pk)
    form = ImprovementUpdateForm(request.POST)
    if form.is_valid():
        try:
            revisit_services.improvement_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Improvement item updated."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect("aftersales:improvement_list")


# --- the worklist panel -------------------------------------------------------------------


@staff_required
@require_GET
def worklist_panel(request):
    """The "Revisits and tickets due" panel the leads worklist loads with htmx."""
    return render(
        request, "aftersales/partials/worklist_panel.html", selectors.due_panel(request.user)
    )

"""Risk pages: the dashboard (admins and heads, scoped), the export log (managers see
their team's, admins everyone's) and the audit search (admins). Read-only: nothing here
changes a record."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from crm.db_router import reads_replica
from crm.exports import describe_filters
from crm.views import allowed_if, query_without_page
from risk import access as risk_access

from . import selectors
from .forms import AuditSearchForm, ExportFilterForm

PAGE_SIZE = 50

app_name = "risk"


@allowed_if(risk_access.can_see_risk)
@require_GET
def dashboard(request):
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        days = 7
    board = selectors.risk_dashboard(request.user, days=days)
    return render(
        request,
        "risk/dashboard.html",
        {"board": board, "periods": selectors.PERIODS},
    )


@allowed_if(risk_access.can_see_exports)
@require_GET
def exports(request):
    form = ExportFilterForm(request.GET or None)
    rows = selectors.exports_for(request.user, form.filters() if form.is_bound else {})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    describe_filters(page.object_list)  # what and which filters, in words
    return render(
        request,
        "risk/exports.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


@allowed_if(risk_access.can_search_audit)
@require_GET
def audit_search(request):
    form = AuditSearchForm(request.GET or None)
    rows = selectors.audit_search(request.user, form.filters() if form.is_bound else {})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risk/audit.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


urlpatterns = [
    path("", reads_replica(dashboard), name="dashboard"),
    path("exports/", exports, name="exports"),
    path("audit/", audit_search, name="audit"),
]

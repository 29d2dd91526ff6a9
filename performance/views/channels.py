"""Pages: channel, campaign and product effectiveness (投入产出) with its chart and export.

Rows come through `performance.access.visible_channel_days` (via
`performance.selectors.channels`): a manager sees their teams' leads and sales, a head
their subtree's, admins and inspectors everything (and the campaigns' costs)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm import access as crm_access
from crm.exports import FORMATS, export_response
from crm.views import allowed_if, apply_service_errors
from orders.models import Product
from performance import access as performance_access
from risk import access as risk_access

from ..forms_scorecards import ChannelReportForm, ProductTargetForm
from ..selectors import channels as channel_selectors
from ..services import product_targets as product_targets_services


def _report(request):
    form = ChannelReportForm(request.GET or None)
    start, end, by = form.span(timezone.localdate())
    return form, channel_selectors.channel_report(request.user, start=start, end=end, by=by)


def _number(value):
    return None if value is None else float(value)


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def channel_report(request):
    form, report = _report(request)
    rows = report.rows[:15]
    datasets = [{"label": _("Revenue"), "data": [_number(row.revenue) for row in rows]}]
    if report.with_costs:
        datasets.append({"label": _("Cost"), "data": [_number(row.cost) for row in rows]})
    datasets.append(
        {
            "label": _("Orders"),
            "data": [row.orders for row in rows],
            "type": "line",
            "axis": "right",
        }
    )
    charts = {
        "channels": {"type": "bar", "labels": [row.name for row in rows], "datasets": datasets}
    }
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "performance/channels.html",
        {
            "form": form,
            "report": report,
            "charts": charts,
            "formats": FORMATS,
            "query": query.urlencode(),
            "can_export": risk_access.can_export(request.user, "channels"),
            "may_set_product_targets": performance_access.can_set_product_targets(request.user),
        },
    )


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def channel_report_export(request):
    _form, report = _report(request)
    header = [
        _("Name"),
        _("Leads"),
        _("Contacted"),
        _("Contact rate (%)"),
        _("Won"),
        _("Conversion (%)"),
        _("Orders"),
        _("Revenue"),
    ]
    if report.with_costs:
        header += [_("Cost"), _("Cost per order"), _("Return (revenue / cost)")]

    def blank(value):
        return "" if value is None else value

    def lines():
        for row in [*report.rows, report.total]:
            line = [
                row.name,
                row.leads,
                row.contacted,
                blank(row.contact_rate),
                row.won,
                blank(row.conversion),
                row.orders,
                row.revenue,
            ]
            if report.with_costs:
                line += [blank(row.cost), blank(row.cost_per_order), blank(row.return_on_cost)]
            yield line

    return export_response(
        request=request,
        kind="channels",
        stem=f"channels-{report.start:%Y%m%d}-{report.end:%Y%m%d}",
        sheet_title=_("Channels"),
        header=header,
        rows=lines(),
        fmt=request.GET.get("format"),
    )


@allowed_if(performance_access.can_set_product_targets)
@require_http_methods(["GET", "POST"])
def product_targets(request):
    """Product sales targets per team and month (admins: every team; heads: their
    subtree's). A month's targets are listed under the form."""
    teams = crm_access.visible_teams(request.user).order_by("name")
    products = Product.objects.filter(is_active=True).order_by("category", "name")
    initial = {"month": request.GET.get("month") or timezone.localdate().replace(day=1)}
    if request.GET.get("team", "").isdigit():
        initial["team"] = int(request.GET["team"])
    form = ProductTargetForm(request.POST or None, initial=initial, teams=teams, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            product_targets_services.product_target_set(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Product target saved."))
            month = form.cleaned_data["month"].replace(day=1)
            return redirect(f"{reverse('performance:product_targets')}?month={month}")
    month = form.cleaned_data.get("month") if form.is_bound and form.is_valid() else None
    month = (month or _month_of(request.GET.get("month"))).replace(day=1)
    rows = (
        performance_access.visible_product_targets(request.user)
        .filter(month=month)
        .select_related("team", "product")
        .order_by("team__name", "product__name")
    )
    return render(
        request,
        "performance/product_targets.html",
        {"form": form, "rows": rows, "month": month},
        status=400 if form.is_bound and form.errors else 200,
    )


def _month_of(raw) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return timezone.localdate()


urlpatterns = [
    path("product-targets/", product_targets, name="product_targets"),
    path("channels/", channel_report, name="channels"),
    path("channels/export/", channel_report_export, name="channels_export"),
]

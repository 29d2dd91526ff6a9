"""Pages: incentives (奖惩): proposals, decisions, the export.

Views parse and render; `performance.services.incentives` acts; every row comes through
`crm.access` (via `performance.selectors.people`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exports import FORMATS, export_response
from crm.views import allowed_if, apply_service_errors, query_without_page, staff_required
from performance import access as performance_access
from risk import access as risk_access

from ..forms_people import DecisionForm, IncentiveForm
from ..models import Incentive
from ..selectors import people as selectors
from ..services import incentives
from .forms_flow import fail

PAGE_SIZE = 50


def _incentive_filters(request) -> tuple[str, str]:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    return (
        status if status in Incentive.Status.values else "",
        kind if kind in Incentive.Kind.values else "",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def incentive_list(request):
    """Managers propose and follow their team's; heads decide; agents see their approved ones."""
    can_propose = performance_access.can_manage_performance(request.user)
    form = IncentiveForm(request.POST or None, user=request.user) if can_propose else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                incentives.incentive_propose(
                    by=request.user,
                    agent=data["agent"],
                    kind=data["kind"],
                    amount=data["amount"],
                    period=form.period(),
                    reason=data["reason"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Proposal sent for a decision."))
                return redirect("performance:incentives")
    status, kind = _incentive_filters(request)
    rows = selectors.incentives_for_list(request.user, status=status, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = list(selectors.incentives_waiting_for(request.user)[:100])
    return render(
        request,
        "performance/people/incentives.html",
        {
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "kind": kind,
            "statuses": Incentive.Status.choices,
            "kinds": Incentive.Kind.choices,
            "form": form,
            "waiting": waiting,
            "can_decide": performance_access.can_decide_incentives(request.user),
            "formats": FORMATS,
            "can_export": risk_access.can_export(request.user, "incentives"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _incentive_move(request, pk: int, move) -> object:
    incentive = get_object_or_404(performance_access.visible_incentives(request.user), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        move(incentive, form.cleaned_data.get("note", ""))
    except ValidationError as error:
        fail(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("performance:incentives")


@allowed_if(performance_access.can_decide_incentives)
@require_POST
def incentive_approve(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_approve(by=request.user, incentive=i, note=note),
    )


@allowed_if(performance_access.can_decide_incentives)
@require_POST
def incentive_reject(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_reject(by=request.user, incentive=i, note=note),
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def incentive_withdraw(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_withdraw(by=request.user, incentive=i),
    )


@staff_required
@require_GET
def incentive_export(request):
    status, kind = _incentive_filters(request)
    rows = selectors.incentives_for_list(request.user, status=status, kind=kind)

    def lines():
        for row in rows.iterator(chunk_size=1000):
            yield [
                row.agent.get_full_name() or row.agent.get_username(),
                row.team.name if row.team else "",
                row.get_kind_display(),
                row.amount if row.amount is not None else "",
                row.period_start.isoformat(),
                row.reason,
                row.get_status_display(),
                row.proposed_by.get_full_name() or row.proposed_by.get_username(),
                timezone.localtime(row.proposed_at).strftime("%Y-%m-%d %H:%M"),
                (row.decided_by.get_full_name() or row.decided_by.get_username())
                if row.decided_by
                else "",
                row.decision_note,
            ]

    return export_response(
        request=request,
        kind="incentives",
        stem="incentives",
        sheet_title=_("Incentives"),
        header=[
            _("Agent"),
            _("Team"),
            _("Kind"),
            _("Amount"),
            _("Period start"),
            _("Reason"),
            _("Status"),
            _("Proposed by"),
            _("Proposed at"),
            _("Decided by"),
            _("Decision note"),
        ],
        rows=lines(),
        fmt=request.GET.get("format"),
    )


urlpatterns = [
    path("incentives/", incentive_list, name="incentives"),
    path("incentives/export/", incentive_export, name="incentives_export"),
    path("incentives/<int:pk>/approve/", incentive_approve, name="incentive_approve"),
    path("incentives/<int:pk>/reject/", incentive_reject, name="incentive_reject"),
    path("incentives/<int:pk>/withdraw/", incentive_withdraw, name="incentive_withdraw"),
]

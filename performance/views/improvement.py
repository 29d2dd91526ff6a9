"""Pages: improvement plans (绩效改进) and their coaching sessions.

Views parse and render; `performance.services.improvement` acts; every row comes through
`crm.access` (via `performance.selectors.people`).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.views import allowed_if, apply_service_errors, query_without_page, staff_required
from performance import access as performance_access

from ..forms_people import CoachingSessionForm, ImprovementCloseForm, ImprovementPlanForm
from ..models import ImprovementPlan, PeriodKind
from ..periods import Period, parse_period
from ..selectors import people as selectors
from ..services import improvement
from .forms_flow import fail, submit

PAGE_SIZE = 50


def _suggestion_period(request) -> Period | None:
    """The period asked for, else the latest month with agent scorecards in scope."""
    if request.GET.get("period_start"):
        try:
            return parse_period(PeriodKind.MONTH, request.GET["period_start"])
        except ValueError as error:
            messages.error(request, str(error))
    latest = (
        performance_access.visible_scorecards(request.user)
        .filter(level="agent", period_kind=PeriodKind.MONTH)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    return Period(PeriodKind.MONTH, latest) if latest else None


@staff_required
@require_GET
def improvement_plan_list(request):
    status = request.GET.get("status", "")
    if status not in ImprovementPlan.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.improvement_plans_for_list(request.user, status=status, overdue=overdue)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = performance_access.can_manage_performance(request.user)
    period = _suggestion_period(request) if can_manage else None
    return render(
        request,
        "performance/people/improvement_plans.html",
        {
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "overdue": overdue,
            "statuses": ImprovementPlan.Status.choices,
            "period": period,
            "suggestions": improvement.suggest_improvement_plans(by=request.user, period=period)
            if period
            else [],
            "threshold": improvement.threshold(),
            "form": ImprovementPlanForm(user=request.user) if can_manage else None,
        },
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def improvement_plan_open(request):
    form = ImprovementPlanForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            plan = improvement.improvement_plan_open(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Improvement plan opened."))
            return redirect("performance:improvement_plan", pk=plan.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("performance:improvement_plans")


@allowed_if(performance_access.can_manage_performance)
@require_POST
def improvement_plan_suggested(request, scorecard_pk: int):
    scorecard = get_object_or_404(
        performance_access.visible_scorecards(request.user).select_related("agent"),
        pk=scorecard_pk,
        level="agent",
    )
    try:
        plan = improvement.suggested_plan_open(by=request.user, scorecard=scorecard)
    except ValidationError as error:
        fail(request, error)
        return redirect("performance:improvement_plans")
    messages.success(request, _("Improvement plan opened."))
    return redirect("performance:improvement_plan", pk=plan.pk)


@staff_required
@require_GET
def improvement_plan_detail(request, pk: int):
    plan = get_object_or_404(
        selectors.improvement_plans_for_list(request.user).select_related("scorecard"), pk=pk
    )
    can_change = plan.status == ImprovementPlan.Status.OPEN and improvement.can_change_plan(
        request.user, plan
    )
    return render(
        request,
        "performance/people/improvement_plan_detail.html",
        {
            "plan": plan,
            "sessions": list(selectors.plan_sessions(plan)),
            "can_change": can_change,
            "session_form": CoachingSessionForm() if can_change else None,
            "close_form": ImprovementCloseForm() if can_change else None,
        },
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def coaching_session_add(request, pk: int):
    plan = get_object_or_404(performance_access.visible_improvement_plans(request.user), pk=pk)
    submit(
        request,
        CoachingSessionForm(request.POST),
        partial(improvement.coaching_session_add, by=request.user, plan=plan),
        _("Session recorded."),
    )
    return redirect("performance:improvement_plan", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def improvement_plan_close(request, pk: int):
    plan = get_object_or_404(performance_access.visible_improvement_plans(request.user), pk=pk)
    submit(
        request,
        ImprovementCloseForm(request.POST),
        partial(improvement.improvement_plan_close, by=request.user, plan=plan),
        _("Plan closed."),
    )
    return redirect("performance:improvement_plan", pk=pk)


urlpatterns = [
    path("improvement-plans/", improvement_plan_list, name="improvement_plans"),
    path("improvement-plans/open/", improvement_plan_open, name="improvement_plan_open"),
    path(
        "improvement-plans/suggested/<int:scorecard_pk>/",
        improvement_plan_suggested,
        name="improvement_plan_suggested",
    ),
    path("improvement-plans/<int:pk>/", improvement_plan_detail, name="improvement_plan"),
    path("improvement-plans/<int:pk>/sessions/", coaching_session_add, name="coaching_session_add"),
    path(
        "improvement-plans/<int:pk>/close/", improvement_plan_close, name="improvement_plan_close"
    ),
]

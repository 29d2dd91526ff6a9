"""Pages: 360 reviews and development plans, incentives, improvement plans, turnover.

Views parse and render; `performance.services.{reviews,incentives,improvement}` act;
every row comes through `crm.access` (via `performance.selectors.people`/`turnover`).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exports import FORMATS, export_response
from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)
from performance import access as performance_access
from risk import access as risk_access

from ..forms_people import (
    CoachingSessionForm,
    DecisionForm,
    DevelopmentPlanForm,
    EvaluationCloseForm,
    EvaluationOpenForm,
    ImprovementCloseForm,
    ImprovementPlanForm,
    IncentiveForm,
    RatingForm,
)
from ..models import (
    DevelopmentPlan,
    Evaluation,
    ImprovementPlan,
    Incentive,
    Level,
    PeriodKind,
)
from ..periods import Period, parse_period
from ..selectors import people as selectors
from ..selectors import turnover as turnover_selectors
from ..services import improvement, incentives, reviews

PAGE_SIZE = 50


def _fail(request, error: ValidationError) -> None:
    for message in error_messages(error):
        messages.error(request, message)


def _submit(request, form, action, success: str) -> None:
    """A posted form on a detail page: run `action(**cleaned_data)` when the form is valid
    and say how it went (the page the user is sent back to shows the messages)."""
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return
    try:
        action(**form.cleaned_data)
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(request, success)


# --- reviews ------------------------------------------------------------------------------


@staff_required
@require_GET
def evaluation_list(request):
    status = request.GET.get("status", "")
    if status not in Evaluation.Status.values:
        status = ""
    rows = selectors.evaluations_for_list(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = performance_access.can_manage_performance(request.user)
    return render(
        request,
        "performance/people/evaluations.html",
        {
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "statuses": Evaluation.Status.choices,
            "to_give": list(selectors.peer_reviews_to_give(request.user)[:20]),
            "open_form": EvaluationOpenForm(user=request.user) if can_manage else None,
        },
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def evaluation_open(request):
    form = EvaluationOpenForm(request.POST, user=request.user)
    if form.is_valid():
        period = form.period()
        try:
            if form.cleaned_data.get("agent"):
                evaluation = reviews.open_evaluation(
                    user=request.user, agent=form.cleaned_data["agent"], period=period
                )
                messages.success(request, _("Review opened."))
                return redirect("performance:evaluation", pk=evaluation.pk)
            count = reviews.open_team_evaluations(
                user=request.user, team=form.cleaned_data["team"], period=period
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s reviews opened.") % {"count": count})
            return redirect("performance:evaluations")
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("performance:evaluations")


@staff_required
@require_GET
def evaluation_detail(request, pk: int):
    evaluation = _evaluation_or_404(request, pk)
    kinds = reviews.rating_kinds_for(request.user, evaluation)
    mine = evaluation.ratings.filter(rater=request.user).first()
    context = {
        "evaluation": evaluation,
        "period": Period(evaluation.period_kind, evaluation.period_start),
        "is_peer": evaluation.viewer_is_peer,
        "rating_form": RatingForm(
            kinds=kinds,
            initial={"kind": kinds[0], "score": mine.score, "comment": mine.comment}
            if mine and kinds
            else None,
        )
        if kinds
        else None,
        "my_rating": mine,
    }
    if not evaluation.viewer_is_peer:
        can_close = performance_access.can_close(request.user, evaluation)
        context.update(
            scorecard=performance_access.visible_scorecards(request.user)
            .filter(
                level=Level.AGENT,
                agent_id=evaluation.agent_id,
                period_kind=evaluation.period_kind,
                period_start=evaluation.period_start,
            )
            .only("pk")
            .first(),
            ratings=selectors.ratings_for(request.user, evaluation),
            weights=reviews.KIND_WEIGHTS,
            weight_shares={kind: f"{weight:.0f}%" for kind, weight in reviews.KIND_WEIGHTS.items()},
            final_weights=reviews.FINAL_WEIGHTS,
            plans=list(selectors.development_plans_for(request.user, agent_id=evaluation.agent_id)),
            can_close=can_close,
            close_form=EvaluationCloseForm() if can_close else None,
            can_plan=reviews.manages(request.user, evaluation.agent),
            plan_form=DevelopmentPlanForm(user=request.user),
        )
    return render(request, "performance/people/evaluation_detail.html", context)


def _evaluation_or_404(request, pk: int) -> Evaluation:
    evaluation = selectors.evaluation_for(request.user, pk)
    if evaluation is None:
        raise Http404
    return evaluation


@staff_required
@require_POST
def evaluation_rate(request, pk: int):
    evaluation = _evaluation_or_404(request, pk)
    _submit(
        request,
        RatingForm(request.POST, kinds=reviews.rating_kinds_for(request.user, evaluation)),
        partial(reviews.rate, user=request.user, evaluation=evaluation),
        _("Rating saved."),
    )
    return redirect("performance:evaluation", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def evaluation_close(request, pk: int):
    evaluation = get_object_or_404(performance_access.visible_evaluations(request.user), pk=pk)
    form = EvaluationCloseForm(request.POST)
    form.is_valid()
    try:
        reviews.close_evaluation(
            user=request.user,
            evaluation=evaluation,
            summary=form.cleaned_data.get("summary", ""),
        )
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Review closed."))
    return redirect("performance:evaluation", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def development_plan_add(request, pk: int):
    evaluation = get_object_or_404(
        performance_access.visible_evaluations(request.user).select_related("agent"), pk=pk
    )
    _submit(
        request,
        DevelopmentPlanForm(request.POST, user=request.user),
        partial(
            reviews.development_plan_create,
            user=request.user,
            agent=evaluation.agent,
            evaluation=evaluation,
        ),
        _("Development plan saved."),
    )
    return redirect("performance:evaluation", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def development_plan_complete(request, pk: int):
    plan = get_object_or_404(performance_access.visible_development_plans(request.user), pk=pk)
    status = request.POST.get("status", DevelopmentPlan.Status.DONE)
    try:
        reviews.development_plan_complete(user=request.user, plan=plan, status=status)
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Plan updated."))
    if plan.evaluation_id:
        return redirect("performance:evaluation", pk=plan.evaluation_id)
    return redirect("performance:evaluations")


# --- incentives ---------------------------------------------------------------------------


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
                    user=request.user,
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
        _fail(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("performance:incentives")


@allowed_if(performance_access.can_decide_incentives)
@require_POST
def incentive_approve(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_approve(user=request.user, incentive=i, note=note),
    )


@allowed_if(performance_access.can_decide_incentives)
@require_POST
def incentive_reject(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_reject(user=request.user, incentive=i, note=note),
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def incentive_withdraw(request, pk: int):
    return _incentive_move(
        request,
        pk,
        lambda i, note: incentives.incentive_withdraw(user=request.user, incentive=i),
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


# --- improvement plans --------------------------------------------------------------------


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
            "suggestions": improvement.suggest_improvement_plans(user=request.user, period=period)
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
            plan = improvement.improvement_plan_open(user=request.user, **form.cleaned_data)
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
        plan = improvement.suggested_plan_open(user=request.user, scorecard=scorecard)
    except ValidationError as error:
        _fail(request, error)
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
    _submit(
        request,
        CoachingSessionForm(request.POST),
        partial(improvement.coaching_session_add, user=request.user, plan=plan),
        _("Session recorded."),
    )
    return redirect("performance:improvement_plan", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def improvement_plan_close(request, pk: int):
    plan = get_object_or_404(performance_access.visible_improvement_plans(request.user), pk=pk)
    _submit(
        request,
        ImprovementCloseForm(request.POST),
        partial(improvement.improvement_plan_close, user=request.user, plan=plan),
        _("Plan closed."),
    )
    return redirect("performance:improvement_plan", pk=pk)


# --- turnover -----------------------------------------------------------------------------


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def turnover(request):
    data = turnover_selectors.turnover(request.user)
    ramp = turnover_selectors.ramp_up(request.user)
    peak = max([row.peak_attrition for row in [*data.teams, *data.departments]] or [0]) or 1
    lines = (data.departments or data.teams)[:10]
    chart = {
        "labels": [month.strftime("%Y-%m") for month in data.months],
        "datasets": [
            {
                "label": row.name,
                "data": [
                    float(cell.attrition) if cell.attrition is not None else None
                    for cell in row.months
                ],
            }
            for row in lines
        ],
    }
    return render(
        request,
        "performance/people/turnover.html",
        {
            "data": data,
            "ramp": ramp,
            "ramp_labels": [_("Days 1–30"), _("Days 31–60"), _("Days 61–90")],
            "chart": chart,
            "peak": peak,
            "reason_labels": dict(data.reasons),
            "formats": FORMATS,
            "can_export": risk_access.can_export(request.user, "turnover"),
        },
    )


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def turnover_export(request):
    data = turnover_selectors.turnover(request.user)
    reasons = data.reasons
    levels = {value: str(label) for value, label in Level.choices}

    def lines():
        for row in turnover_selectors.turnover_rows(data):
            yield [
                row["month"].strftime("%Y-%m"),
                levels.get(row["level"], row["level"]),
                row["name"],
                row["leavers"],
                row["hires"],
                row["average_headcount"],
                row["attrition"] if row["attrition"] is not None else "",
                row["mean_tenure_days"] if row["mean_tenure_days"] is not None else "",
                *[row["reasons"].get(value, 0) for value, _label in reasons],
            ]

    return export_response(
        request=request,
        kind="turnover",
        stem="turnover",
        sheet_title=_("Turnover"),
        header=[
            _("Month"),
            _("Level"),
            _("Name"),
            _("Leavers"),
            _("Hires"),
            _("Average headcount"),
            _("Attrition rate (percent)"),
            _("Mean tenure at exit (days)"),
            *[str(label) for _value, label in reasons],
        ],
        rows=lines(),
        fmt=request.GET.get("format"),
    )


urlpatterns = [
    path("evaluations/", evaluation_list, name="evaluations"),
    path("evaluations/open/", evaluation_open, name="evaluation_open"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/rate/", evaluation_rate, name="evaluation_rate"),
    path("evaluations/<int:pk>/close/", evaluation_close, name="evaluation_close"),
    path("evaluations/<int:pk>/plans/", development_plan_add, name="development_plan_add"),
    path(
        "development-plans/<int:pk>/complete/",
        development_plan_complete,
        name="development_plan_complete",
    ),
    path("incentives/", incentive_list, name="incentives"),
    path("incentives/export/", incentive_export, name="incentives_export"),
    path("incentives/<int:pk>/approve/", incentive_approve, name="incentive_approve"),
    path("incentives/<int:pk>/reject/", incentive_reject, name="incentive_reject"),
    path("incentives/<int:pk>/withdraw/", incentive_withdraw, name="incentive_withdraw"),
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
    path("turnover/", turnover, name="turnover"),
    path("turnover/export/", turnover_export, name="turnover_export"),
]

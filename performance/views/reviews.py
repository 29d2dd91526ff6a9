"""Pages: 360-degree reviews (绩效评估) and development plans.

Views parse and render; `performance.services.reviews` acts; every row comes through
`crm.access` (via `performance.selectors.people`).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.views import allowed_if, apply_service_errors, query_without_page, staff_required
from performance import access as performance_access

from ..forms_people import DevelopmentPlanForm, EvaluationCloseForm, EvaluationOpenForm, RatingForm
from ..models import DevelopmentPlan, Evaluation, Level
from ..periods import Period
from ..selectors import people as selectors
from ..services import reviews
from .forms_flow import fail, submit

PAGE_SIZE = 50


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
                    by=request.user, agent=form.cleaned_data["agent"], period=period
                )
                messages.success(request, _("Review opened."))
                return redirect("performance:evaluation", pk=evaluation.pk)
            count = reviews.open_team_evaluations(
                by=request.user, team=form.cleaned_data["team"], period=period
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
    submit(
        request,
        RatingForm(request.POST, kinds=reviews.rating_kinds_for(request.user, evaluation)),
        partial(reviews.rate, by=request.user, evaluation=evaluation),
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
            by=request.user,
            evaluation=evaluation,
            summary=form.cleaned_data.get("summary", ""),
        )
    except ValidationError as error:
        fail(request, error)
    else:
        messages.success(request, _("Review closed."))
    return redirect("performance:evaluation", pk=pk)


@allowed_if(performance_access.can_manage_performance)
@require_POST
def development_plan_add(request, pk: int):
    evaluation = get_object_or_404(
        performance_access.visible_evaluations(request.user).select_related("agent"), pk=pk
    )
    submit(
        request,
        DevelopmentPlanForm(request.POST, user=request.user),
        partial(
            reviews.development_plan_create,
            by=request.user,
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
        reviews.development_plan_complete(by=request.user, plan=plan, status=status)
    except ValidationError as error:
        fail(request, error)
    else:
        messages.success(request, _("Plan updated."))
    if plan.evaluation_id:
        return redirect("performance:evaluation", pk=plan.evaluation_id)
    return redirect("performance:evaluations")


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
]

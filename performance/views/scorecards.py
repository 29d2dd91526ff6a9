"""Pages: scorecards (list, detail, drill-down), targets, quality scoring, recompute now.

Views parse and render; `performance.services` act and `performance.selectors` read, with
who-sees-what from `crm.access`. An agent asking for the list is sent to their own card.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm import access
from crm.db_router import reads_replica
from crm.models import Role
from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)
from leads import access as leads_access
from performance import access as performance_access

from ..forms_scorecards import PeriodForm, QualityScoreForm, TargetsForm
from ..metrics import metric_for
from ..models import Indicator, Level
from ..selectors import channels as channel_selectors
from ..selectors import scorecards as selectors
from ..selectors.dashboards.records import with_order_links
from ..services import quality as quality_services
from ..services import scorecards as scorecard_services
from ..services import targets as target_services

DRILLDOWN_PAGE = 50


def _period_query(period) -> str:
    return urlencode({"period_kind": period.kind, "period_start": period.start.isoformat()})


@staff_required
def scorecard_list(request):
    """Managers: their agents and team; heads: their teams and departments; admins: all."""
    form = PeriodForm(request.GET or None)
    period = form.period()
    scope = access.scope_of(request.user)
    if scope.role == Role.AGENT:
        card = selectors.own_scorecard(request.user, period)
        if card is not None:
            return redirect("performance:scorecard_detail", pk=card.pk)
    level = request.GET.get("level")
    if level not in Level.values:
        level = Level.TEAM if scope.role == Role.DEPARTMENT_HEAD else Level.AGENT
        if scope.role == Role.AGENT:
            level = Level.AGENT
    cards = selectors.scorecards_for(request.user, period, level=level).order_by(
        "rank", "-total", "id"
    )
    return render(
        request,
        "performance/scorecards/list.html",
        {
            "form": form,
            "period": period,
            "period_query": _period_query(period),
            "level": level,
            "levels": Level.choices,
            "cards": list(cards),
            "may_recompute": performance_access.can_manage_performance(request.user),
            "may_set_targets": performance_access.can_set_targets(request.user),
        },
    )


def _product_section(user, card) -> dict:
    """A team's product sales against its product targets over the card's period."""
    if card.level != Level.TEAM or card.team_id is None:
        return {"product_rows": None}
    period = selectors.period_of(card)
    rows = channel_selectors.product_sales(team_id=card.team_id, start=period.start, end=period.end)
    return {
        "product_rows": rows,
        "may_set_product_targets": performance_access.can_set_product_targets(user),
    }


@staff_required
def scorecard_detail(request, pk: int):
    card = selectors.scorecard_of(request.user, pk)
    if card is None:
        raise Http404
    return render(
        request,
        "performance/scorecards/detail.html",
        {
            "card": card,
            "period": selectors.period_of(card),
            "name": selectors.subject_name(card),
            "values": list(card.values.all()),
            "may_recompute": performance_access.can_manage_performance(request.user),
            **_product_section(request.user, card),
        },
    )


@staff_required
def drilldown(request, pk: int, code: str):
    """The records behind one figure of a scorecard, newest first, 50 to a page."""
    card = selectors.scorecard_of(request.user, pk)
    indicator = performance_access.visible_indicators(request.user).filter(code=code).first()
    if card is None or indicator is None:
        raise Http404
    value = next((v for v in card.values.all() if v.indicator_id == indicator.pk), None)
    try:
        number = max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        number = 1
    records, has_next = selectors.drilldown_page(card, indicator, page=number, size=DRILLDOWN_PAGE)
    metric = metric_for(indicator.source)
    return render(
        request,
        "performance/scorecards/drilldown.html",
        {
            "card": card,
            "name": selectors.subject_name(card),
            "period": selectors.period_of(card),
            "indicator": indicator,
            "value": value,
            "number": number,
            "has_next": has_next,
            "rows": with_order_links(selectors.record_rows(request.user, metric, records), records),
            "query": query_without_page(request),
        },
    )


@allowed_if(performance_access.can_manage_performance)
@require_POST
def recompute(request):
    """'Recompute now': queue the period's recompute (the page reloads with the result)."""
    period = PeriodForm(request.POST).period()
    scorecard_services.queue_recompute(period=period)
    messages.success(
        request, _("Scorecards for %(period)s are being recomputed.") % {"period": period}
    )
    return redirect(f"{reverse('performance:scorecards')}?{_period_query(period)}")


@allowed_if(performance_access.can_set_targets)
@require_http_methods(["GET", "POST"])
def targets(request):
    """A manager sets their agents' targets for a period in one form; heads their teams'."""
    period_form = PeriodForm(request.GET or None)
    period = period_form.period()
    scope = access.scope_of(request.user)
    default_level = Level.TEAM if scope.role == Role.DEPARTMENT_HEAD else Level.AGENT
    level = request.GET.get("level") if request.GET.get("level") in Level.values else default_level
    subjects = target_services.target_subjects(by=request.user, level=level)
    indicators = Indicator.objects.filter(is_active=True).order_by("position", "id")
    existing = selectors.targets_for(request.user, period, level=level)
    form = TargetsForm(
        request.POST or None,
        subjects=subjects,
        indicators=indicators,
        initial_values={key: target.value for key, target in existing.items()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = target_services.bulk_set_targets(
                by=request.user, level=level, period=period, rows=form.rows()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(n)d targets saved.") % {"n": count})
            query = urlencode(
                {
                    "level": level,
                    "period_kind": period.kind,
                    "period_start": period.start.isoformat(),
                }
            )
            return redirect(f"{reverse('performance:targets')}?{query}")
    return render(
        request,
        "performance/scorecards/targets.html",
        {
            "form": form,
            "period_form": period_form,
            "period": period,
            "level": level,
            "levels": Level.choices,
            "indicators": form.indicators,
        },
    )


@staff_required
def quality_list(request):
    """Quality scores: an agent sees their own, managers their team's, inspectors all."""
    rows = selectors.quality_scores_for(request.user).order_by("-scored_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "performance/scorecards/quality_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "may_score": performance_access.can_score_quality(request.user),
        },
    )


@allowed_if(performance_access.can_score_quality)
@require_http_methods(["GET", "POST"])
def quality_score(request):
    """Score one follow-up (?followup=id) or call (?call=id) on the rubric."""
    kind = "followup" if request.GET.get("followup") else "call"
    try:
        record_id = int(request.GET.get(kind, ""))
    except ValueError:
        raise Http404 from None
    visible = leads_access.visible_followups if kind == "followup" else leads_access.visible_calls
    record = get_object_or_404(visible(request.user).select_related("lead", "agent"), pk=record_id)
    form = QualityScoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quality_services.score_quality(
                by=request.user,
                scores=form.cleaned_data,
                comment=form.cleaned_data["comment"],
                **{f"{kind}_id": record.pk},
            )
        except ValidationError as error:
            for message in error_messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Quality score saved."))
            if record.lead_id:
                return redirect("leads:detail", record.lead_id)
            return redirect("performance:quality_list")
    return render(
        request,
        "performance/scorecards/quality_form.html",
        {"form": form, "record": record, "kind": kind},
    )


urlpatterns = [
    path("scorecards/", reads_replica(scorecard_list), name="scorecards"),
    path("scorecards/recompute/", recompute, name="scorecards_recompute"),
    path("scorecards/<int:pk>/", reads_replica(scorecard_detail), name="scorecard_detail"),
    path(
        "scorecards/<int:pk>/drilldown/<slug:code>/",
        reads_replica(drilldown),
        name="scorecard_drilldown",
    ),
    path("targets/", targets, name="targets"),
    path("quality/", quality_list, name="quality_list"),
    path("quality/score/", quality_score, name="quality_score"),
]

"""Pages: the performance dashboards (/performance/), each role to its own.

`home` routes by role: an agent to their own scorecard and rank, a team manager to their
team's dashboard, heads, inspectors and admins to the comparison of the teams they see
(from which they open any of those teams' dashboards). Figures come from
`performance.selectors.dashboards`; charts are drawn by static/js/performance-charts.js
from the `json_script` block each page carries (no inline script, no user data in code).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crm import access, exports
from crm.db_router import reads_replica
from crm.models import Role
from crm.views import allowed_if, staff_required
from performance import access as performance_access
from risk import access as risk_access

from .. import exports as performance_exports
from ..models import PeriodKind, Source
from ..periods import Period, current_period, parse_period
from ..selectors import dashboards as boards
from ..selectors.dashboards import EARLIEST, LATEST
from .figures import figure_records, link_figures

# The other performance pages, linked from the landing page for those who may open them.
SUB_PAGES = [
    (gettext_lazy("Scorecards"), "performance:scorecards", None),
    (gettext_lazy("Targets"), "performance:targets", performance_access.can_set_targets),
    (gettext_lazy("Quality scores"), "performance:quality_list", None),
    (gettext_lazy("Evaluations"), "performance:evaluations", None),
    (gettext_lazy("Incentives"), "performance:incentives", None),
    (gettext_lazy("Improvement plans"), "performance:improvement_plans", None),
    (gettext_lazy("Turnover"), "performance:turnover", performance_access.can_see_team_performance),
]


def _url(name: str, *args, query: dict | None = None) -> str | None:
    """The URL of a page that is routed, else None (the figure is shown without a link)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def sub_navigation(user) -> list[tuple[str, str]]:
    return [
        (label, url)
        for label, name, allowed in SUB_PAGES
        if (allowed is None or allowed(user)) and (url := _url(name))
    ]


def _period(request) -> Period:
    """The period picked (period_kind, period_start), the current month by default."""
    try:
        period = parse_period(request.GET.get("period_kind"), request.GET.get("period_start"))
    except ValueError as error:
        messages.error(request, _("Period not understood: %(error)s") % {"error": error})
        return current_period()
    if not EARLIEST <= period.start <= LATEST:
        messages.error(
            request,
            _("period_start must be between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST, "latest": LATEST},
        )
        return current_period(period.kind)
    return period


def _period_context(request, period: Period, extra: dict | None = None) -> dict:
    """The picker: kinds, previous and next periods, keeping the other parameters."""
    base = {k: v for k, v in (extra or {}).items() if v not in (None, "")}

    def link(p: Period) -> str:
        return "?" + urlencode({**base, "period_kind": p.kind, "period_start": p.start})

    today = current_period(period.kind)
    return {
        "period": period,
        "period_kinds": [
            (kind, label, link(current_period(kind)), kind == period.kind)
            for kind, label in PeriodKind.choices
        ],
        "previous_url": link(period.previous()),
        "next_url": link(period.next()) if period.start < today.start else None,
        "period_query": urlencode(
            {**base, "period_kind": period.kind, "period_start": period.start}
        ),
    }


# Today's tiles by indicator: the element ids pages and browser tests find them by.
TILE_IDS = {
    Source.CALLS: "today-calls",
    Source.TALK_TIME: "today-talk",
    Source.FOLLOWUPS: "today-followups",
    Source.ORDERS: "today-orders",
    Source.SALES_AMOUNT: "today-sales",
    Source.CASH_COLLECTED: "today-cash",
    Source.COMPLAINTS: "today-complaints",
}


TILE_LABELS = {
    Source.CALLS: gettext_lazy("Calls"),
    Source.TALK_TIME: gettext_lazy("Talk time (minutes)"),
    Source.FOLLOWUPS: gettext_lazy("Follow-ups done"),
    Source.ORDERS: gettext_lazy("Orders, net of cancellations"),
    Source.SALES_AMOUNT: gettext_lazy("Sales amount"),
    Source.CASH_COLLECTED: gettext_lazy("Cash collected"),
    Source.COMPLAINTS: gettext_lazy("Complaints"),
}


def _tiles(figures) -> list[tuple[str, str, object]]:
    return [
        (
            TILE_IDS.get(row.source, f"today-{row.source}"),
            TILE_LABELS.get(row.source, row.name),
            row,
        )
        for row in figures.rows
    ]


def _number(value) -> float | None:
    return None if value is None else float(value)


# --- landing ------------------------------------------------------------------------------


@staff_required
@require_GET
def home(request):
    scope = access.scope_of(request.user)
    if scope.role == Role.AGENT:
        return agent_page(request)
    if scope.role == Role.TEAM_MANAGER:
        return team_page(request)
    return departments_page(request)


# --- the team dashboard -------------------------------------------------------------------


def _team_of(request):
    raw = request.GET.get("team")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_object_or_404(
            access.visible_teams(request.user).select_related("department", "manager"),
            pk=int(raw),
        )
    team = boards.default_team(request.user)
    if team is None:
        raise Http404
    return team


def _team_board(request):
    team = _team_of(request)
    period = _period(request)
    return boards.team_dashboard(request.user, team=team, period=period)


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def team_page(request):
    board = _team_board(request)
    team = board.team
    period = board.period
    visible = list(access.visible_teams(request.user).filter(is_active=True).order_by("name")[:200])
    context = {
        "board": board,
        "team": team,
        "teams": visible if len(visible) > 1 else [],
        "links": _team_links(request, board),
        "tiles": _tiles(board.today),
        "charts": _team_charts(board),
        "has_satisfaction": any(week["revisits"] for week in board.satisfaction),
        "sub_navigation": sub_navigation(request.user),
        "export_formats": exports.FORMATS,
        "may_export": risk_access.can_export(request.user, "performance"),
        "may_compare": access.scope_of(request.user).role != Role.TEAM_MANAGER,
        **_period_context(request, period, {"team": team.pk}),
    }
    return render(request, "performance/dashboards/team.html", context)


def _team_links(request, board) -> dict:
    """Where each figure's records are listed: every figure opens its drill-down (the
    records it counts, over its span); the overdue work opens the lists of that work."""
    period = board.period
    link_figures(board.period_figures)
    for row in board.leaderboard:
        row.links = link_figures(row.figures)
        row.url = _scorecard_url(row.scorecard_id) if row.scorecard_id else None
    scorecard_url = (
        _scorecard_url(board.team_scorecard.pk)
        if board.team_scorecard is not None and board.from_scorecard
        else None
    )
    conversion = board.period_figures.get(Source.CONVERSION)
    return {
        "today": link_figures(board.today),
        "funnel": conversion.url if conversion is not None else None,
        "scorecard": scorecard_url,
        "overdue_followups": _url("leads:team", query={"overdue": "on"}),
        "overdue_revisits": _url(
            "aftersales:revisit_list", query={"view": "team", "when": "scheduled", "overdue": "1"}
        ),
        "overdue_tickets": _url(
            "aftersales:ticket_list", query={"view": "team", "status": "active", "overdue": "1"}
        ),
        "overdue_plans": _url(
            "performance:improvement_plans", query={"status": "open", "overdue": "1"}
        ),
        "revisits_done": _url("aftersales:revisit_list", query={"view": "team", "when": "done"}),
        "period": period,
    }


def _scorecard_url(pk: int) -> str | None:
    return _url("performance:scorecard_detail", pk)


def _team_charts(board) -> dict:
    """Chart data for performance-charts.js: labels and numbers only."""
    running = Decimal("0")
    cumulative = []
    for _day, amount in board.sales_by_day:
        if amount is None:  # after today: the line stops
            cumulative.append(None)
            continue
        running += amount
        cumulative.append(float(running))
    days = len(board.sales_by_day)
    target = board.sales_target
    charts = {
        "sales": {
            "type": "line",
            "labels": [day.strftime("%m-%d") for day, _amount in board.sales_by_day],
            "datasets": [
                {"label": _("Sales (cumulative)"), "data": cumulative},
                {
                    "label": _("Daily sales"),
                    "data": [_number(amount) for _day, amount in board.sales_by_day],
                    "type": "bar",
                },
            ],
        },
        "funnel": {
            "type": "bar",
            "horizontal": True,
            "labels": [_("Assigned"), _("Contacted"), _("Interested"), _("Won")],
            "datasets": [
                {
                    "label": _("Leads"),
                    "data": [
                        board.funnel["assigned"],
                        board.funnel["contacted"],
                        board.funnel["interested"],
                        board.funnel["ordered"],
                    ],
                }
            ],
        },
        "satisfaction": {
            "type": "line",
            "labels": [week["week"].strftime("%m-%d") for week in board.satisfaction],
            "min": 1,
            "max": 5,
            "datasets": [
                {
                    "label": _("Average satisfaction (1–5)"),
                    "data": [_number(week["average"]) for week in board.satisfaction],
                }
            ],
        },
        "leaderboard": {
            "type": "bar",
            "horizontal": True,
            "labels": [row.name for row in board.leaderboard],
            "datasets": [
                {
                    "label": _("Scorecard total")
                    if any(r.total is not None for r in board.leaderboard)
                    else _("Sales amount"),
                    "data": [
                        _number(row.total if row.total is not None else row.sales)
                        for row in board.leaderboard
                    ],
                }
            ],
        },
    }
    if target and days:
        charts["sales"]["datasets"].append(
            {
                "label": _("Target (pro rata)"),
                "data": [float(target * (n + 1) / days) for n in range(days)],
                "dashed": True,
            }
        )
    return charts


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def team_export(request):
    board = _team_board(request)
    return exports.export_response(
        request=request,
        kind="performance",
        stem=f"leaderboard-{board.team.pk}-{board.period.start:%Y%m%d}",
        sheet_title=_("Leaderboard"),
        header=performance_exports.leaderboard_header(),
        rows=performance_exports.leaderboard_rows(board.leaderboard),
        fmt=request.GET.get("format"),
    )


# --- the head's comparison ----------------------------------------------------------------


def _department_of(request):
    raw = request.GET.get("department")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(access.visible_departments(request.user), pk=int(raw))


# name: (key, lower is better). A first click on a heading sorts best first; teams
# without the figure come last either way.
SORTS = {
    "team": (lambda c: c.team.name, True),
    "sales": (lambda c: c.sales, False),
    "achievement": (lambda c: c.achievement, False),
    "total": (lambda c: c.total, False),
    "calls": (lambda c: c.calls_per_agent, False),
    "conversion": (lambda c: c.conversion, False),
    "satisfaction": (lambda c: c.satisfaction, False),
    "complaints": (lambda c: c.complaints, True),
    "attrition": (lambda c: c.attrition, True),
    "rank": (lambda c: c.rank, True),
    "target": (lambda c: c.sales_target, False),
}


def _sorted(columns, sort: str) -> list:
    """`sort` ascending, `-sort` descending; missing figures last."""
    key, _lower_is_better = SORTS[sort.lstrip("-")]
    present = [c for c in columns if key(c) is not None]
    missing = [c for c in columns if key(c) is None]
    return sorted(present, key=key, reverse=sort.startswith("-")) + missing


def _headings() -> list[tuple[str, str]]:
    return [
        ("rank", _("Rank")),
        ("team", _("Team")),
        ("sales", _("Sales")),
        ("target", _("Target")),
        ("achievement", _("Achievement")),
        ("total", _("Total score")),
        ("calls", _("Calls per agent")),
        ("conversion", _("Conversion")),
        ("satisfaction", _("Satisfaction")),
        ("complaints", _("Complaints")),
        ("attrition", _("Attrition this month")),
    ]


def best_first(name: str) -> str:
    """The sort that puts the best team first: descending unless lower is better."""
    return name if SORTS[name][1] else f"-{name}"


def _sort_link(extra: dict, period: Period, name: str, sort: str) -> str:
    """Sort by a column, best first; a second click on it sorts the other way."""
    query = {k: v for k, v in extra.items() if v}
    query.update(period_kind=period.kind, period_start=period.start)
    best = best_first(name)
    query["sort"] = (name if best.startswith("-") else f"-{name}") if sort == best else best
    return "?" + urlencode(query)


def _comparison(request):
    department = _department_of(request)
    period = _period(request)
    teams = access.visible_teams(request.user)
    if department is not None:
        teams = teams.filter(department__path__startswith=department.path)
    columns = boards.team_comparison(request.user, period=period, teams=teams)
    sort = request.GET.get("sort", "rank")
    if sort.lstrip("-") not in SORTS:
        sort = "rank"
    return department, period, _sorted(columns, sort), sort


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def departments_page(request):
    department, period, columns, sort = _comparison(request)
    extra = {"department": department.pk if department else None}
    for column in columns:
        column.url = (
            reverse("performance:team_dashboard")
            + "?"
            + urlencode(
                {"team": column.team.pk, "period_kind": period.kind, "period_start": period.start}
            )
        )
        column.links = link_figures(column.figures)
    department_set = None
    if department is not None:
        department_set = boards.department_figures(
            request.user, department=department, period=period
        )
        link_figures(department_set)
    stamps = {(c.figures.live, c.figures.computed_at) for c in columns if c.figures}
    context = {
        "columns": columns,
        # One "live · as at" / "computed at" for the table when every team shares it.
        "provenance": columns[0].figures if len(stamps) == 1 else None,
        "department": department,
        "department_figures": department_set,
        "departments": list(access.visible_departments(request.user).order_by("path")[:200]),
        "sort": sort,
        "headings": [
            (name, label, _sort_link(extra, period, name, sort)) for name, label in _headings()
        ],
        "charts": {
            "comparison": {
                "type": "bar",
                "aspect": 3,
                "labels": [c.team.name for c in columns],
                "datasets": [
                    {"label": _("Sales amount"), "data": [float(c.sales) for c in columns]},
                    {
                        "label": _("Sales target"),
                        "data": [_number(c.sales_target) for c in columns],
                    },
                ],
            }
        },
        "sub_navigation": sub_navigation(request.user),
        "export_formats": exports.FORMATS,
        "may_export": risk_access.can_export(request.user, "performance"),
        **_period_context(request, period, {**extra, "sort": sort}),
    }
    return render(request, "performance/dashboards/departments.html", context)


@allowed_if(performance_access.can_see_team_performance)
@require_GET
def departments_export(request):
    _department, period, columns, _sort = _comparison(request)
    return exports.export_response(
        request=request,
        kind="performance",
        stem=f"team-comparison-{period.start:%Y%m%d}",
        sheet_title=_("Team comparison"),
        header=performance_exports.comparison_header(),
        rows=performance_exports.comparison_rows(columns),
        fmt=request.GET.get("format"),
    )


# --- the agent's own page -----------------------------------------------------------------


@staff_required
@require_GET
def agent_page(request):
    if access.scope_of(request.user).role != Role.AGENT:
        # Managers and above have the team pages; their own figures are on the leaderboard.
        return redirect("performance:home")
    period = _period(request)
    board = boards.agent_dashboard(request.user, period=period)
    link_figures(board.period_figures)
    context = {
        "board": board,
        "today_links": link_figures(board.today),
        "tiles": _tiles(board.today),
        "scorecard_url": _scorecard_url(board.scorecard.pk) if board.scorecard else None,
        "charts": {
            "trend": {
                "type": "bar",
                "labels": [point["label"] for point in board.trend],
                "datasets": [
                    {
                        "label": _("Sales amount"),
                        "data": [float(point["sales"]) for point in board.trend],
                    },
                    {
                        "label": _("Scorecard total"),
                        "data": [_number(point["total"]) for point in board.trend],
                        "type": "line",
                        "axis": "right",
                    },
                ],
            }
        },
        "sub_navigation": sub_navigation(request.user),
        "sales_source": Source.SALES_AMOUNT,
        **_period_context(request, period),
    }
    return render(request, "performance/dashboards/agent.html", context)


urlpatterns = [
    path("", reads_replica(home), name="home"),
    path("team/", reads_replica(team_page), name="team_dashboard"),
    path("team/export/", reads_replica(team_export), name="team_export"),
    path("departments/", reads_replica(departments_page), name="department_comparison"),
    path("departments/export/", reads_replica(departments_export), name="department_export"),
    path("me/", reads_replica(agent_page), name="my_dashboard"),
    path("figures/<slug:source>/", reads_replica(figure_records), name="figure_records"),
]

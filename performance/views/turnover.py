"""Pages: turnover (人员流失) by month, team and department, and its export.

Every row comes through `crm.access` (via `performance.selectors.turnover`).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.db_router import reads_replica
from crm.exports import FORMATS, export_response
from crm.views import allowed_if
from performance import access as performance_access
from risk import access as risk_access

from ..models import Level
from ..selectors import turnover as turnover_selectors


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
    path("turnover/", reads_replica(turnover), name="turnover"),
    path("turnover/export/", reads_replica(turnover_export), name="turnover_export"),
]

"""The dashboards' downloads: header and rows for `crm.exports.export_response`.

Rows are built from what the dashboard selectors already read (scoped by `crm.access`),
as plain values: numbers stay numbers in Excel, an empty cell means "not computed".
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def register_export_kinds() -> None:
    """Name this app's exports and their filters for the export log."""
    from crm import exports
    from crm.models import Department, Team

    from .models import Incentive, PeriodKind

    period = {
        "period_kind": forms.ChoiceField(label=gettext_lazy("Period"), choices=PeriodKind.choices),
        "period_start": forms.CharField(label=gettext_lazy("Period start")),
    }
    exports.register_kind(
        "performance",
        label=gettext_lazy("Performance"),
        fields={
            "team": forms.ModelChoiceField(
                label=gettext_lazy("Team"), queryset=Team.objects.none()
            ),
            "department": forms.ModelChoiceField(
                label=gettext_lazy("Department"), queryset=Department.objects.none()
            ),
            "sort": forms.CharField(label=gettext_lazy("Sorted by")),
            **period,
        },
    )
    from .forms_scorecards import ChannelReportForm

    exports.register_kind(
        "channels", label=gettext_lazy("Channels"), fields=ChannelReportForm.base_fields
    )
    exports.register_kind(
        "incentives",
        label=gettext_lazy("Incentives"),
        fields={
            "status": forms.ChoiceField(
                label=gettext_lazy("Status"), choices=Incentive.Status.choices
            ),
            "kind": forms.ChoiceField(label=gettext_lazy("Kind"), choices=Incentive.Kind.choices),
        },
    )
    exports.register_kind("turnover", label=gettext_lazy("Turnover"), fields={})


def leaderboard_header() -> list[str]:
    return [
        _("Rank"),
        _("Agent"),
        _("Scorecard total"),
        _("Sales amount"),
        _("Orders"),
        _("Calls"),
        _("Talk time (minutes)"),
        _("Follow-ups"),
        _("Conversion (%)"),
        _("On-time follow-up rate (%)"),
    ]


def leaderboard_rows(rows) -> Iterable[list]:
    for row in rows:
        yield [
            row.rank,
            row.name,
            row.total,
            row.sales,
            row.orders,
            row.calls,
            row.talk_minutes,
            row.followups,
            row.conversion,
            row.ontime_rate,
        ]


def comparison_header() -> list[str]:
    return [
        _("Rank"),
        _("Team"),
        _("Department"),
        _("Agents"),
        _("Sales amount"),
        _("Sales target"),
        _("Achievement (%)"),
        _("Scorecard total"),
        _("Calls per agent"),
        _("Conversion (%)"),
        _("Revisit satisfaction"),
        _("Complaints"),
        _("Leavers this month"),
        _("Attrition this month (%)"),
    ]


def comparison_rows(columns) -> Iterable[list]:
    for column in columns:
        yield [
            column.rank,
            column.team.name,
            column.team.department.name if column.team.department_id else "",
            column.agents,
            column.sales,
            column.sales_target,
            column.achievement,
            column.total,
            column.calls_per_agent,
            column.conversion,
            column.satisfaction,
            column.complaints,
            column.leavers,
            column.attrition,
        ]

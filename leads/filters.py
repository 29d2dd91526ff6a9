"""Filters of the lead API (django-filter): they narrow a queryset already scoped by
`crm.access`, so no filter value can widen what the caller sees."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, IdFilter, UtcIsoDateTimeFilter

from .models import (
    Call,
    Channel,
    Disposition,
    FollowUp,
    FollowUpChannel,
    Grade,
    Lead,
    LeadStatus,
)
from .selectors.leads import search_leads
from .selectors.worklist import day_bounds


def _between(field_name: str, label) -> tuple[UtcIsoDateTimeFilter, UtcIsoDateTimeFilter]:
    """The `*_after` / `*_before` pair of a date-time field: both ends included, the value
    moved to UTC (see UtcIsoDateTimeFilter)."""
    return (
        UtcIsoDateTimeFilter(field_name=field_name, lookup_expr="gte", label=label),
        UtcIsoDateTimeFilter(field_name=field_name, lookup_expr="lte", label=label),
    )


class LeadFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    owner = IdFilter(field_name="owner", label=_("owner (user id)"))
    unowned = django_filters.BooleanFilter(
        field_name="owner", lookup_expr="isnull", label=_("in the pool (no owner)")
    )
    team = IdFilter(field_name="team", label=_("team id"))
    campaign = IdFilter(field_name="campaign", label=_("campaign id"))
    region = django_filters.CharFilter(lookup_expr="startswith", label=_("region starts with"))
    product = django_filters.CharFilter(label=_("product of interest"))
    created_after, created_before = _between(
        "created_at", _("created between (created_after, created_before)")
    )
    due = django_filters.ChoiceFilter(
        method="filter_due",
        label=_("next follow-up"),
        choices=[
            ("overdue", _("overdue")),
            ("today", _("later today")),
            ("upcoming", _("after today")),
            ("none", _("none scheduled")),
        ],
    )
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("name contains, or the phone: whole, or the parts its mask shows (136, 5635)"),
    )

    class Meta:
        model = Lead
        fields = [
            "status",
            "grade",
            "channel",
            "owner",
            "team",
            "region",
            "created_after",
            "created_before",
            "due",
            "q",
        ]

    def filter_due(self, queryset, name, value):
        now = timezone.now()
        _start, end_of_today = day_bounds(now)
        if value == "overdue":
            return queryset.filter(next_followup_at__lt=now)
        if value == "today":
            return queryset.filter(next_followup_at__gte=now, next_followup_at__lt=end_of_today)
        if value == "upcoming":
            return queryset.filter(next_followup_at__gte=end_of_today)
        return queryset.filter(next_followup_at__isnull=True)

    def filter_q(self, queryset, name, value):
        return search_leads(queryset, value, user=self.request.user)


class FollowUpFilter(FilterSet):
    lead = IdFilter(field_name="lead")
    agent = IdFilter(field_name="agent", label=_("agent (user id)"))
    channel = django_filters.MultipleChoiceFilter(choices=FollowUpChannel.choices)
    disposition = django_filters.MultipleChoiceFilter(choices=Disposition.choices)
    created_after, created_before = _between(
        "created_at", _("logged between (created_after, created_before)")
    )

    class Meta:
        model = FollowUp
        fields = ["lead", "agent", "channel", "disposition", "created_after", "created_before"]


class CallFilter(FilterSet):
    lead = IdFilter(field_name="lead")
    agent = IdFilter(field_name="agent", label=_("agent (user id)"))
    direction = django_filters.ChoiceFilter(choices=Call.Direction.choices)
    source = django_filters.CharFilter()
    matched = django_filters.BooleanFilter(
        field_name="lead", lookup_expr="isnull", exclude=True, label=_("matched to a lead")
    )
    started_after, started_before = _between(
        "started_at", _("started between (started_after, started_before)")
    )

    class Meta:
        model = Call
        fields = [
            "lead",
            "agent",
            "direction",
            "source",
            "matched",
            "started_after",
            "started_before",
        ]

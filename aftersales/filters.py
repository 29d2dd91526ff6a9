"""Filters of the after-sales API (django-filter): they narrow a queryset already scoped by
`crm.access`, so no filter value can widen what the caller sees."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, IdFilter, UtcIsoDateTimeFilter

from .models import (
    ACTIVE_TICKET_STATUSES,
    ImprovementItem,
    Revisit,
    RevisitStatus,
    ServiceTicket,
    TicketPriority,
    TicketStatus,
    TicketType,
)


class TicketFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    type = django_filters.MultipleChoiceFilter(choices=TicketType.choices)
    priority = django_filters.MultipleChoiceFilter(choices=TicketPriority.choices)
    assignee = IdFilter(field_name="assignee", label=_("assignee (user id)"))
    team = IdFilter(field_name="team", label=_("team id"))
    lead = IdFilter(field_name="lead", label=_("customer (lead id)"))
    order = IdFilter(field_name="order", label=_("order id"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    due_after = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("due from"))
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lte", label=_("due until"))

    class Meta:
        model = ServiceTicket
        fields = ["status", "type", "priority", "assignee", "team", "lead", "order"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": ACTIVE_TICKET_STATUSES, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class RevisitFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RevisitStatus.choices)
    assignee = IdFilter(field_name="assignee", label=_("assignee (user id)"))
    lead = IdFilter(field_name="lead", label=_("customer (lead id)"))
    order = IdFilter(field_name="order", label=_("order id"))
    plan = IdFilter(field_name="plan", label=_("plan id"))
    due_after = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("due from"))
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lte", label=_("due until"))

    class Meta:
        model = Revisit
        fields = ["status", "assignee", "lead", "order", "plan"]


class ImprovementFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ImprovementItem.Status.choices)
    owner = IdFilter(field_name="owner", label=_("owner (user id)"))
    team = IdFilter(field_name="team", label=_("team id"))

    class Meta:
        model = ImprovementItem
        fields = ["status", "owner", "team"]

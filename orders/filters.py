"""Filters of the order API (django-filter): they narrow a queryset already scoped by
`crm.access`, so no filter value can widen what the caller sees."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import FilterSet, IdFilter

from .models import Approval, Order, OrderStatus, Product
from .selectors import overdue_q


class OrderFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    approval = django_filters.ChoiceFilter(choices=Approval.choices)
    agent = IdFilter(field_name="agent", label=_("agent (user id)"))
    team = IdFilter(field_name="team", label=_("team id"))
    lead = IdFilter(field_name="lead", label=_("lead id"))
    number = django_filters.CharFilter(lookup_expr="istartswith", label=_("number starts with"))
    created_from = django_filters.DateFilter(
        method="filter_created_from", label=_("created on or after")
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", label=_("created on or before")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("delivery overdue"))

    class Meta:
        model = Order
        fields = ["status", "approval", "agent", "team", "lead", "number"]

    @staticmethod
    def _start_of(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=self._start_of(value)) if value else queryset

    def filter_created_to(self, queryset, name, value):
        if not value or value >= dt.date.max:
            return queryset
        return queryset.filter(created_at__lt=self._start_of(value + dt.timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())


class ProductFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Product.Kind.choices)
    category = django_filters.CharFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Product
        fields = ["kind", "category", "is_active"]

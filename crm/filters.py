import datetime as dt

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .models import Department, Member, MemberStatus, Notification, Role, Team, TeamMembership


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC.

    ISO 8601 (and Python) allow UTC offsets up to ±23:59, PostgreSQL only up to ±15:59: a
    valid `...-19:10` would otherwise be a database error (a 500). A moment that leaves the
    calendar once in UTC (year 1 or 9999 near the edge) is simply invalid.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError as error:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        return value


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# The largest id a database column can hold (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold. Anything else (a fraction, a word,
    `99999999999999999999999`) is a 400 naming the filter, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class BoundedIdsMixin:
    """Filters django-filter derives from relations and ids (`Meta.fields = ["team"]`,
    `filterset_fields`) are bounded ids too, not model choices whose lookup overflows the
    database on a huge number."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        relation = isinstance(field, models.ForeignKey | models.OneToOneField)
        many = isinstance(field, models.ManyToManyField | models.ManyToOneRel)
        if lookup_type == "exact" and (relation or many or isinstance(field, models.AutoField)):
            return IdFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class FilterSet(BoundedIdsMixin, django_filters.FilterSet):
    """The base of every filter set of the pages and the API."""


class ApiFilterSet(BoundedIdsMixin, django_filters.rest_framework.FilterSet):
    """The filter set the API builds from a view's `filterset_fields`."""


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter's backend, building `filterset_fields` on the bounded base.

    A request that names none of the filters (most list calls: `?page=2` or nothing) is
    answered without building and validating the filter set's form, about 1 ms of a list;
    an empty filter filters nothing, so the rows are the same."""

    filterset_base = ApiFilterSet
    # The class django-filter builds from a view's `filterset_fields`, made once per view
    # and model instead of on every request.
    _built: dict = {}

    def get_filterset_class(self, view, queryset=None):
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        fields = getattr(view, "filterset_fields", None)
        key = (type(view), queryset.model, repr(fields))
        if key not in self._built:
            self._built[key] = super().get_filterset_class(view, queryset)
        return self._built[key]

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        # The first word of each filter's name: a range filter's form fields add suffixes
        # (`created_at_after`), so a parameter counts when its first word starts a filter's.
        words = {name.split("_")[0] for name in filterset_class.base_filters}
        params = request.query_params
        if not any(params.get(param) and param.split("_")[0] in words for param in params):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _in_department_subtree(queryset, department_id, path_field: str):
    """Rows whose department (reached by `path_field`) is `department_id` or under it."""
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return queryset.none()
    return queryset.filter(**{f"{path_field}__startswith": department.path})


class DepartmentFilter(FilterSet):
    parent = IdFilter(field_name="parent")
    kind = django_filters.ChoiceFilter(choices=Department.Kind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Department
        fields = ["parent", "kind", "head", "name"]


class TeamFilter(FilterSet):
    department = IdFilter(method="filter_department", label=_("department (with sub-departments)"))
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Team
        fields = ["department", "manager", "is_active", "name"]

    def filter_department(self, queryset, name, value):
        return _in_department_subtree(queryset, value, "department__path")


class MemberFilter(FilterSet):
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)
    status = django_filters.MultipleChoiceFilter(choices=MemberStatus.choices)
    team = IdFilter(field_name="team")
    department = IdFilter(method="filter_department", label=_("department (with sub-departments)"))
    hired_after = django_filters.DateFilter(field_name="hire_date", lookup_expr="gte")
    hired_before = django_filters.DateFilter(field_name="hire_date", lookup_expr="lte")
    skill = IdFilter(field_name="skills")
    q = django_filters.CharFilter(
        method="filter_q", label=_("name, username, employee no. or extension")
    )

    class Meta:
        model = Member
        fields = ["role", "status", "team", "department", "skill", "q"]

    def filter_department(self, queryset, name, value):
        return _in_department_subtree(queryset, value, "team__department__path")

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
            | Q(user__username__icontains=value)
            | Q(employee_no__iexact=value)
            | Q(extension=value)
        )


class TeamMembershipFilter(FilterSet):
    at = UtcIsoDateTimeFilter(method="filter_at", label=_("in the team at this moment"))

    class Meta:
        model = TeamMembership
        fields = ["member", "team", "at"]

    def filter_at(self, queryset, name, value):
        return queryset.filter(started_at__lte=value).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=value)
        )


class NotificationFilter(FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("not read yet")
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

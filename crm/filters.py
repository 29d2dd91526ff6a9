import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .models import Department, Member, MemberStatus, Role, Team, TeamMembership


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


def _in_department_subtree(queryset, department_id, path_field: str):
    """Rows whose department (reached by `path_field`) is `department_id` or under it."""
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return queryset.none()
    return queryset.filter(**{f"{path_field}__startswith": department.path})


class DepartmentFilter(django_filters.FilterSet):
    parent = django_filters.NumberFilter(field_name="parent")
    kind = django_filters.ChoiceFilter(choices=Department.Kind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Department
        fields = ["parent", "kind", "head", "name"]


class TeamFilter(django_filters.FilterSet):
    department = django_filters.NumberFilter(
        method="filter_department", label=_("department (with sub-departments)")
    )
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Team
        fields = ["department", "manager", "is_active", "name"]

    def filter_department(self, queryset, name, value):
        return _in_department_subtree(queryset, value, "department__path")


class MemberFilter(django_filters.FilterSet):
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)
    status = django_filters.MultipleChoiceFilter(choices=MemberStatus.choices)
    team = django_filters.NumberFilter(field_name="team")
    department = django_filters.NumberFilter(
        method="filter_department", label=_("department (with sub-departments)")
    )
    hired_after = django_filters.DateFilter(field_name="hire_date", lookup_expr="gte")
    hired_before = django_filters.DateFilter(field_name="hire_date", lookup_expr="lte")
    skill = django_filters.NumberFilter(field_name="skills")
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


class TeamMembershipFilter(django_filters.FilterSet):
    at = UtcIsoDateTimeFilter(method="filter_at", label=_("in the team at this moment"))

    class Meta:
        model = TeamMembership
        fields = ["member", "team", "at"]

    def filter_at(self, queryset, name, value):
        return queryset.filter(started_at__lte=value).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=value)
        )

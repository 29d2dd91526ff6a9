"""What the performance APIs share: id filters, the rule-or-read permission, periods."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework import permissions, serializers

from crm.api_defaults import IsActiveStaff

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 1)
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class RuleOrRead(IsActiveStaff):
    """Reading follows the scope; writes need the view's `write_rule`; an action may name
    its own rule in `action_rules` (None: any staff member, the service decides)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        rules = getattr(view, "action_rules", {})
        if view.action in rules:
            rule = rules[view.action]
            return rule is None or bool(rule(request.user))
        if request.method in permissions.SAFE_METHODS:
            return True
        rule = getattr(view, "write_rule", None)
        return rule is not None and bool(rule(request.user))


def period_start_in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise serializers.ValidationError(_("Choose a date between 2000 and 2999."))
    return value

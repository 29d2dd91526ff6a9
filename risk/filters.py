"""Filters of the risk API's logs (the pages have their own forms in `risk.forms`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter

from crm.filters import FilterSet, IdFilter, UtcIsoDateTimeFilter

from .models import AuditEntry, ExportRecord, PhoneReveal, RiskEvent


class _Period(FilterSet):
    since = UtcIsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("from"))
    until = UtcIsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("until"))


class AuditEntryFilter(_Period):
    actor = IdFilter(field_name="actor_id", label=_("who (user id)"))
    model = CharFilter(field_name="model_label", max_length=100, label=_("record type"))
    object_id = CharFilter(max_length=64, label=_("record id"))
    action = ChoiceFilter(choices=AuditEntry.Action.choices)

    class Meta:
        model = AuditEntry
        fields = ["actor", "model", "object_id", "action", "since", "until"]


class ExportRecordFilter(_Period):
    user = IdFilter(field_name="user_id", label=_("who (user id)"))
    kind = CharFilter(max_length=50, label=_("what"))

    class Meta:
        model = ExportRecord
        fields = ["user", "kind", "since", "until"]


class PhoneRevealFilter(_Period):
    user = IdFilter(field_name="user_id", label=_("who (user id)"))
    lead = IdFilter(field_name="lead_id", label=_("lead"))
    purpose = ChoiceFilter(choices=PhoneReveal.Purpose.choices)

    class Meta:
        model = PhoneReveal
        fields = ["user", "lead", "purpose", "since", "until"]


class RiskEventFilter(_Period):
    user = IdFilter(field_name="user_id", label=_("who (user id)"))
    lead = IdFilter(field_name="lead_id", label=_("lead"))
    kind = ChoiceFilter(choices=RiskEvent.Kind.choices)

    class Meta:
        model = RiskEvent
        fields = ["user", "lead", "kind", "since", "until"]

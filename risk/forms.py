"""Filters of the risk pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm import exports
from crm.forms import DateInput, StyledForm

from . import audit
from .models import AuditEntry


class AuditSearchForm(StyledForm, forms.Form):
    actor = forms.CharField(label=_("who"), required=False, max_length=150)
    model = forms.ChoiceField(label=_("record type"), required=False)
    object_id = forms.CharField(label=_("record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("action"), required=False, choices=[("", "—"), *AuditEntry.Action.choices]
    )
    since = forms.DateField(label=_("from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "—")] + [
            (label, label) for label in [*audit.tracked_models(), audit.SECURITY_MODEL_LABEL]
        ]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class ExportFilterForm(StyledForm, forms.Form):
    user = forms.CharField(label=_("who"), required=False, max_length=150)
    kind = forms.ChoiceField(label=_("what"), required=False)
    since = forms.DateField(label=_("from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *exports.kind_choices()]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}

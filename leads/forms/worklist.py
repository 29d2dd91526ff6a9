"""Forms of the worklist and the lead page: the quick filters, the fast follow-up form and
the customer edit form. They parse; `leads.services` decide and act."""

from __future__ import annotations

import datetime as dt
from decimal import InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import StyledForm
from crm.phones import display, mask
from leads.models import (
    OPEN_STATUSES,
    Channel,
    Disposition,
    FollowUpChannel,
    Grade,
    Intent,
    LeadStatus,
)
from leads.selectors.worklist import DUE_CHOICES
from leads.services.capture import budget_parse

_ANY = [("", _("any"))]


def _parse_budget(value: str):
    """Budgets as agents type them (`5万`, `1-2万`, `50000`), by capture's own parser."""
    try:
        return budget_parse(value) if value.strip() else None
    except (ValueError, InvalidOperation) as error:
        raise forms.ValidationError(_("This is not an amount of money.")) from error


class WorklistFilterForm(StyledForm, forms.Form):
    q = forms.CharField(label=_("name or phone"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=_ANY + [(s.value, s.label) for s in LeadStatus if s in OPEN_STATUSES],
    )
    grade = forms.ChoiceField(label=_("grade"), required=False, choices=_ANY + Grade.choices)
    due = forms.ChoiceField(
        label=_("due"),
        required=False,
        choices=[
            ("", _("overdue and today")),
            *zip(DUE_CHOICES, (_("overdue"), _("later today"), _("after today")), strict=True),
        ],
    )
    channel = forms.ChoiceField(label=_("channel"), required=False, choices=_ANY + Channel.choices)

    def filters(self) -> dict:
        """The valid filters, with anything invalid dropped rather than failing the page."""
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) or "" for name in self.fields}


class FollowUpForm(StyledForm, forms.Form):
    """The fast follow-up form: outcome, needs analysis, notes and what comes next."""

    channel = forms.ChoiceField(
        label=_("channel"), choices=FollowUpChannel.choices, initial=FollowUpChannel.PHONE
    )
    disposition = forms.ChoiceField(label=_("outcome"), choices=Disposition.choices)
    call_duration_seconds = forms.IntegerField(
        label=_("call duration (seconds)"),
        required=False,
        min_value=0,
        max_value=24 * 3600,
        help_text=_("Phone only; leave empty when the phone system reports the call."),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    product = forms.CharField(label=_("product of interest"), required=False, max_length=100)
    budget = forms.CharField(
        label=_("budget"), required=False, max_length=50, help_text=_("e.g. 50000, 5万, 1-2万")
    )
    timeline = forms.CharField(label=_("timeline"), required=False, max_length=100)
    next_followup_at = forms.DateTimeField(
        label=_("next follow-up"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def clean_budget(self):
        return _parse_budget(self.cleaned_data.get("budget") or "")

    def clean(self):
        data = super().clean()
        if data.get("call_duration_seconds") is not None and data.get("channel") != "phone":
            self.add_error("call_duration_seconds", _("Only a phone follow-up has a call."))
        return data

    def service_kwargs(self, *, now: dt.datetime | None = None) -> dict:
        """What `followup_log` takes; a typed-in call started `duration` before now."""
        data = dict(self.cleaned_data)
        duration = data.get("call_duration_seconds")
        if duration is not None:
            now = now or timezone.now()
            data["call_started_at"] = now - dt.timedelta(seconds=duration)
        else:
            data.pop("call_duration_seconds", None)
        return data


class LeadEditForm(StyledForm, forms.Form):
    """The customer's details; the service cleans them the way capture does."""

    name = forms.CharField(label=_("name"), required=False, max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=40)
    company = forms.CharField(label=_("company"), required=False, max_length=200)
    region = forms.CharField(label=_("region"), required=False, max_length=100)
    email = forms.EmailField(label=_("email"), required=False)
    wechat = forms.CharField(label=_("WeChat"), required=False, max_length=100)
    product = forms.CharField(label=_("product of interest"), required=False, max_length=100)
    budget = forms.CharField(label=_("budget"), required=False, max_length=50)
    intent = forms.ChoiceField(label=_("intent"), choices=Intent.choices)
    timeline = forms.CharField(label=_("timeline"), required=False, max_length=100)
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def for_lead(cls, lead, data=None, *, show_phone: bool = True) -> LeadEditForm:
        """`show_phone` False (masked roles): the field starts masked; left as it is, the
        number is unchanged, typed over, it is replaced."""
        initial = {name: getattr(lead, name) for name in cls.base_fields}
        initial["phone"] = display(lead.phone) if show_phone else mask(lead.phone)
        initial["budget"] = "" if lead.budget is None else f"{lead.budget:f}"
        return cls(data, initial=initial)

    def clean_budget(self):
        return _parse_budget(self.cleaned_data.get("budget") or "")

    def changes(self) -> dict:
        """Only what the user changed, so an untouched phone is not re-validated."""
        return {name: self.cleaned_data[name] for name in self.changed_data}

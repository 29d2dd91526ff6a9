"""Forms of the privacy pages: they read input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import StyledForm

from .models import RequestKind, RequestStatus


class RequestFilterForm(StyledForm, forms.Form):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", "—"), *RequestStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", "—"), *RequestKind.choices]
    )
    due = forms.ChoiceField(
        label=_("due"),
        required=False,
        choices=[
            ("", "—"),
            ("soon", _("Due within 3 working days")),
            ("overdue", _("Overdue")),
        ],
    )

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class PersonSearchForm(StyledForm, forms.Form):
    """Who the person is: any of number, email, name (what finds their records)."""

    phone = forms.CharField(label=_("phone"), required=False, max_length=40)
    email = forms.CharField(label=_("email"), required=False, max_length=254)
    name = forms.CharField(label=_("name"), required=False, max_length=100)


class RequestOpenForm(PersonSearchForm):
    kind = forms.ChoiceField(label=_("kind"), choices=RequestKind.choices)
    details = forms.CharField(
        label=_("what the person asked"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    do_not_call = forms.BooleanField(
        label=_("the person asks not to be called again (deletion)"), required=False
    )
    leads = forms.TypedMultipleChoiceField(
        label=_("customer records that are this person"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, lead_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].choices = list(lead_choices)
        self.fields["leads"].widget.attrs["class"] = "form-check-input"


class CorrectionForm(StyledForm, forms.Form):
    lead = forms.TypedChoiceField(label=_("Customer record"), coerce=int)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def __init__(self, *args, lead_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = list(lead_choices)

    def changes(self) -> dict:
        """Only what was filled in is corrected."""
        return {
            key: self.cleaned_data[key]
            for key in ("name", "email", "phone")
            if self.cleaned_data.get(key)
        }


class CloseForm(StyledForm, forms.Form):
    status = forms.ChoiceField(
        label=_("Closed as"),
        choices=[
            (RequestStatus.COMPLETED, RequestStatus.COMPLETED.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
        ],
    )
    outcome = forms.CharField(
        label=_("Outcome"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

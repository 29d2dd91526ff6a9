"""Forms of the customers pages: the search, a new contact, the merge screen's choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ContactKind, Customer
from .services.merging import LOSER, MERGE_FIELDS, WINNER


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "placeholder": _("whole phone number, email, WeChat id or name"),
            }
        ),
    )


class HistoryForm(forms.Form):
    """The customer page's "show more" of its history: how many events to show."""

    events = forms.IntegerField(required=False, min_value=1, max_value=10_000)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ContactKind.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    value = forms.CharField(
        label=_("Phone, email or WeChat id"),
        max_length=254,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    label = forms.CharField(
        label=_("Label"),
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("e.g. office")}
        ),
    )


def _shown(customer: Customer, field: str) -> str:
    value = getattr(customer, field)
    if field == "kind":
        return customer.get_kind_display()
    if field in ("owner", "team"):
        return str(value) if value is not None else "—"
    return value or "—"


class MergeForm(forms.Form):
    """One choice per field: the kept customer's value or the merged-in one's."""

    def __init__(self, *args, winner: Customer, loser: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for field in MERGE_FIELDS:
            label = Customer._meta.get_field(field).verbose_name
            mine, theirs = _shown(winner, field), _shown(loser, field)
            self.fields[field] = forms.ChoiceField(
                label=label,
                choices=[(WINNER, mine), (LOSER, theirs)],
                initial=WINNER if mine != "—" or theirs == "—" else LOSER,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.rows.append((self[field], mine == theirs))

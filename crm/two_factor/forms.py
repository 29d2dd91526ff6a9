"""The code forms of two-factor sign-in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import StyledForm


class CodeForm(StyledForm, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def __init__(self, *args, recovery_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            _("The 6 digits your authenticator app shows, or one of your recovery codes.")
            if recovery_allowed
            else _("The 6 digits your authenticator app shows.")
        )

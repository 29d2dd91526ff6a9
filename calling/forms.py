"""Forms of the calling floor: the header control's state (and why one pauses), the
session's write-up and skip, the phone system's settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import StyledForm
from leads.models import Disposition

from .models import AgentState, PauseCode, PhoneSettings
from .services.states import AGENT_CHOICES


class StateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("state"), choices=[(s, AgentState(s).label) for s in AGENT_CHOICES]
    )
    pause_code = forms.ModelChoiceField(
        label=_("pause code"), queryset=PauseCode.objects.filter(active=True), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("state") == AgentState.PAUSED and not data.get("pause_code"):
            self.add_error("pause_code", _("Choose why you pause."))
        return data


#: The outcomes in key order: key 1 is the first, 9 the ninth (the tenth has no key).
DISPOSITION_KEYS = [
    Disposition.NO_ANSWER,
    Disposition.BUSY,
    Disposition.REACHED,
    Disposition.CALL_BACK,
    Disposition.INTERESTED,
    Disposition.NOT_INTERESTED,
    Disposition.WRONG_NUMBER,
    Disposition.WON,
    Disposition.DO_NOT_CALL,
    Disposition.LOST,
]


class SessionSaveForm(StyledForm, forms.Form):
    lead = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    phone_call = forms.UUIDField(widget=forms.HiddenInput, required=False)
    disposition = forms.ChoiceField(
        label=_("outcome"),
        choices=[(value, Disposition(value).label) for value in DISPOSITION_KEYS],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_followup_at = forms.DateTimeField(
        label=_("next follow-up"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radios are laid out by the template, not as form-control inputs.
        self.fields["disposition"].widget.attrs["class"] = "form-check-input"


class SessionSkipForm(StyledForm, forms.Form):
    lead = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("why skip it?"), max_length=200)


class PhoneSettingsForm(StyledForm, forms.ModelForm):
    """The secret and the authentication value are never shown back: left empty, they keep
    what is stored."""

    webhook_secret = forms.CharField(
        label=_("webhook secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=PhoneSettings._meta.get_field("webhook_secret").help_text,
    )
    auth_header_value = forms.CharField(
        label=_("authentication value"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Left empty, the stored value is kept."),
    )

    class Meta:
        model = PhoneSettings
        fields = [
            "adapter",
            "source",
            "originate_url",
            "originate_method",
            "auth_header_name",
            "auth_header_value",
            "webhook_secret",
            "timeout_seconds",
        ]

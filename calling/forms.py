"""The header control's form: the state an agent chooses (and why they pause)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgentState, PauseCode
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

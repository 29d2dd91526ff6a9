from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallingConfig(AppConfig):
    """The calling floor: agent states, the preview dialer, the phone system, recordings."""

    name = "calling"
    verbose_name = _("Calling floor")

    def ready(self) -> None:
        from risk import audit

        from .models import PauseCode

        audit.track(PauseCode)

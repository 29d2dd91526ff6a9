from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallingConfig(AppConfig):
    """The calling floor: agent states, the preview dialer, the phone system, recordings."""

    name = "calling"
    verbose_name = _("Calling floor")

    def ready(self) -> None:
        from risk import audit

        from . import receivers  # noqa: F401
        from .models import PauseCode, PhoneSettings

        audit.track(PauseCode)
        audit.track(PhoneSettings, exclude=("webhook_secret", "auth_header_value", "updated_at"))

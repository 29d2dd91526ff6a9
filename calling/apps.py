from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallingConfig(AppConfig):
    """The calling floor: agent states, the preview dialer, the phone system, recordings."""

    name = "calling"
    verbose_name = _("Calling floor")

    def ready(self) -> None:
        from crm.config import forget_on_change
        from risk import audit

        from . import receivers
        from .models import (
            PHONE_SETTINGS_CACHE_KEY,
            POLICY_CACHE_KEY,
            FloorPolicy,
            PauseCode,
            PhoneSettings,
        )

        audit.track(PauseCode)
        audit.track(FloorPolicy)
        audit.track(PhoneSettings, exclude=("webhook_secret", "auth_header_value", "updated_at"))
        forget_on_change(FloorPolicy, POLICY_CACHE_KEY)
        forget_on_change(PhoneSettings, PHONE_SETTINGS_CACHE_KEY)
        receivers.connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk controls")

    def ready(self) -> None:
        from . import audit, signals

        audit.register_default_models()
        signals.connect()

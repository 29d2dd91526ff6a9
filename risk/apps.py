from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk controls")

    def ready(self) -> None:
        from crm import exports

        from . import audit, services, signals

        audit.register_default_models()
        signals.connect()
        # The kernel's exports apply the risk policy and log every download here.
        exports.register_policy(services.export_policy())
        # A lead's audit entries on its timeline are registered by leads (it builds on risk).

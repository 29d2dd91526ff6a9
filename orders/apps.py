from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from crm import exports
        from risk import audit

        from .models import DiscountLimit, Product

        # The catalog and the discount limits: every change before and after.
        audit.track(Product)
        audit.track(DiscountLimit)

        # A lead's orders appear on its timeline (page and API).
        from . import timeline  # noqa: F401
        from .forms import OrderFilterForm, ReceivablesForm

        # The export log names this app's exports and their filters in words.
        exports.register_kind("orders", label=_("Orders"), fields=OrderFilterForm.base_fields)
        exports.register_kind(
            "receivables", label=_("Receivables"), fields=ReceivablesForm.base_fields
        )

        from risk import audit

        from .models import Payment

        # Money received is in the audit trail (plan changes are order events).
        audit.track(Payment)

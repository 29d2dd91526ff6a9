from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """Customers over their leads: contacts, duplicates and merges, tiers after the sale."""

    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from leads.models import Lead, LeadEvent
        from risk import audit

        from . import receivers
        from .models import Contact, Customer, Tier

        audit.track(Customer, exclude=("updated_at", "last_order_at", "order_count", "money_total"))
        audit.track(Contact)
        audit.track(Tier)
        post_save.connect(receivers.on_lead_saved, sender=Lead, dispatch_uid="customers.lead")
        post_save.connect(
            receivers.on_lead_event_saved, sender=LeadEvent, dispatch_uid="customers.lead_event"
        )

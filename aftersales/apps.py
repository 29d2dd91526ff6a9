from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self):
        from crm import services
        from orders.signals import order_moved

        from . import handover, receivers, selectors

        services.handover_source(handover.handover_items)

        order_moved.connect(receivers.on_order_moved, dispatch_uid="aftersales.order_moved")
        selectors.register_timeline_sources()

        from risk import audit

        from .models import SatisfactionPolicy

        audit.track(SatisfactionPolicy, exclude=("updated_at",))
        from .models import ImprovementItem, RevisitPlan, TicketSLA

        # Settings (revisit plans, SLAs) and improvement items: before and after.
        audit.track(RevisitPlan)
        audit.track(TicketSLA)
        audit.track(ImprovementItem)

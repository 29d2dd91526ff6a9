"""After-sales API under /api/service/: service tickets (moves as actions) in `tickets`;
revisits (record as an action), revisit plans (administrators write) and improvement items
in `revisits`; ticket SLAs (administrators write) in `settings`.

Rows come through `crm.api.ScopedViewSet` and the `crm.access.visible_*` selectors, so a
row outside the caller's scope answers 404 like a missing one. Writes go through
`aftersales.services`; their refusals are 400s naming the field.
"""

from .revisits import ImprovementItemViewSet, RevisitPlanViewSet, RevisitViewSet
from .settings import TicketSLAViewSet
from .tickets import ServiceTicketViewSet


def register(router) -> None:
    router.register("service/tickets", ServiceTicketViewSet, basename="service-ticket")
    router.register("service/revisits", RevisitViewSet, basename="revisit")
    router.register("service/revisit-plans", RevisitPlanViewSet, basename="revisit-plan")
    router.register("service/improvements", ImprovementItemViewSet, basename="improvement")
    router.register("service/slas", TicketSLAViewSet, basename="ticket-sla")

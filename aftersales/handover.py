"""What a member's leave means for their after-sales work, for the org page's hand-over
preview (`crm.services.handover_source`, registered in `AftersalesConfig.ready`).

Nothing hands tickets and revisits over automatically today: the preview says how many
stay with the member, so whoever sets the leave knows to reassign them (each ticket and
revisit page has its reassign action)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.models import Member
from crm.services import HandoverItem

from .models import ACTIVE_TICKET_STATUSES, Revisit, RevisitStatus, ServiceTicket


def handover_items(member: Member, status: str) -> list[HandoverItem]:
    stays = _("Not handed over automatically: they stay with %(name)s; reassign them by hand.")
    tickets = ServiceTicket.objects.filter(
        assignee_id=member.user_id, status__in=ACTIVE_TICKET_STATUSES
    ).count()
    revisits = Revisit.objects.filter(
        assignee_id=member.user_id, status=RevisitStatus.SCHEDULED
    ).count()
    note = stays % {"name": member.display_name}
    return [
        HandoverItem(_("Open service tickets"), tickets, [], note if tickets else ""),
        HandoverItem(_("Scheduled revisits"), revisits, [], note if revisits else ""),
    ]

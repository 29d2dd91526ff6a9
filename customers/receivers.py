"""What the customers app does on the signals of the apps below it (connected in
`CustomersConfig.ready`): Django's own `post_save` of a new `Lead` (single captures:
`leads.services.capture` saves it; imports write in bulk and are linked when won) and of a
`LeadEvent` to won (`leads.services.moves.lead_move`, the only writer of lead status)."""

from __future__ import annotations

from leads.models import LeadStatus

from .services import linking


def on_lead_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        linking.customer_link_at_capture(lead=instance)


def on_lead_event_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw and instance.to_status == LeadStatus.WON:
        linking.customer_for_won_lead(lead_id=instance.lead_id, by=instance.by)

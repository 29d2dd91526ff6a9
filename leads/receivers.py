"""What leads does when other apps announce something (connected in `LeadsConfig.ready`)."""

from __future__ import annotations


def _close_blocked_numbers(sender, reasons, **kwargs) -> None:
    """Numbers went on the do-not-call list (`risk.signals.number_blocked`): their open
    leads are closed, in the same transaction."""
    from .services.capture import close_leads_for_do_not_call

    close_leads_for_do_not_call(reasons)


def connect() -> None:
    from risk.signals import number_blocked

    number_blocked.connect(_close_blocked_numbers, dispatch_uid="leads.close_blocked_numbers")

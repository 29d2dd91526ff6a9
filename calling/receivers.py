"""Signal receivers of the calling floor (connected in `CallingConfig.ready`)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .services import dialer


@receiver(user_logged_out, dispatch_uid="calling.dialer_sign_out")
def dialer_sign_out(sender, request, user, **kwargs) -> None:
    """Signing out ends the calling session and lets go of the previewed lead."""
    if user is not None:
        dialer.session_stop(agent=user)

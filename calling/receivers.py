"""What the calling floor does when something happens elsewhere: signing out ends in
offline, ends the calling session and lets go of the previewed lead (connected in
`CallingConfig.ready`)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is None or not user.is_authenticated:
        return
    from .services import dialer
    from .services.states import sign_out

    dialer.session_stop(agent=user)
    sign_out(user)


def connect() -> None:
    user_logged_out.connect(_signed_out, dispatch_uid="calling.sign_out")

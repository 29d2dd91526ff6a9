"""Pages of the calling floor: the agent's state control (`states`) and the preview-dialing
session, a call's page and the phone system's settings (`dialer`)."""

from .dialer import (
    call_detail,
    call_status,
    dial,
    lease_renew,
    phone_settings,
    session,
    session_save,
    session_skip,
    session_start,
    session_stop,
)
from .states import seen, state_change, state_control

__all__ = [
    "call_detail",
    "call_status",
    "dial",
    "lease_renew",
    "phone_settings",
    "seen",
    "session",
    "session_save",
    "session_skip",
    "session_start",
    "session_stop",
    "state_change",
    "state_control",
]

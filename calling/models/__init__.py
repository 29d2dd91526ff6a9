from .dialer import DialerLease, DialerSession, DialerSkip
from .phone import (
    CallEvent,
    CallEventKind,
    PhoneAdapter,
    PhoneCall,
    PhoneCallStatus,
    PhoneSettings,
    Recording,
    RecordingPlayback,
)
from .states import AgentState, PauseCode, StateChange, StateSource

__all__ = [
    "AgentState",
    "CallEvent",
    "CallEventKind",
    "DialerLease",
    "DialerSession",
    "DialerSkip",
    "PauseCode",
    "PhoneAdapter",
    "PhoneCall",
    "PhoneCallStatus",
    "PhoneSettings",
    "Recording",
    "RecordingPlayback",
    "StateChange",
    "StateSource",
]

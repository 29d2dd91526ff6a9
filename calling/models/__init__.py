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
from .states import (
    POLICY_CACHE_KEY,
    AgentState,
    FloorPolicy,
    FloorPresence,
    PauseCode,
    StateChange,
    StateSource,
)

__all__ = [
    "POLICY_CACHE_KEY",
    "AgentState",
    "CallEvent",
    "CallEventKind",
    "DialerLease",
    "DialerSession",
    "DialerSkip",
    "FloorPolicy",
    "FloorPresence",
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

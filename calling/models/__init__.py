from .dialer import DialerLease, DialerSession, DialerSkip
from .phone import (
    PHONE_SETTINGS_CACHE_KEY,
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
    "PHONE_SETTINGS_CACHE_KEY",
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

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
    "FloorPolicy",
    "FloorPresence",
    "PauseCode",
    "StateChange",
    "StateSource",
]

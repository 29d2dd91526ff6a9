from .states import AgentState, PauseCode, StateChange, StateSource

__all__ = ["AgentState", "PauseCode", "StateChange", "StateSource"]

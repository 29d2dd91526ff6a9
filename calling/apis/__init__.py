"""Calling floor API under /api/calling/: the caller's own state (`states`) and the pause
codes (every member reads, administrators write)."""

from .states import MyStateView, PauseCodeViewSet, StateChangeViewSet


def register(router) -> None:
    router.register("calling/pause-codes", PauseCodeViewSet, basename="pause-code")
    router.register("calling/states", StateChangeViewSet, basename="state-change")


__all__ = ["MyStateView", "register"]

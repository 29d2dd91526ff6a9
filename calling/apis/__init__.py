"""Calling floor API under /api/calling/: the caller's own state and the pause codes
(`states`: every member reads the codes, administrators write), and the preview-dialing
session, the phone system's events, recordings and their playbacks (`dialer`)."""

from . import dialer
from .states import MyStateView, PauseCodeViewSet, StateChangeViewSet


def register(router) -> None:
    router.register("calling/pause-codes", PauseCodeViewSet, basename="pause-code")
    router.register("calling/states", StateChangeViewSet, basename="state-change")
    dialer.register(router)


__all__ = ["MyStateView", "register"]

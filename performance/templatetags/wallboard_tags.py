"""Template helpers of the wallboard: time in a state, a state's colour."""

from __future__ import annotations

from django import template

register = template.Library()

BADGES = {
    "ready": "text-bg-success",
    "on_call": "text-bg-primary",
    "wrap_up": "text-bg-info",
    "paused": "text-bg-warning",
    "offline": "text-bg-secondary",
}


@register.filter
def seconds_since(timestamp, now_timestamp) -> int | None:
    """Whole seconds from a snapshot's time to the rendering's (None without a time)."""
    if timestamp is None:
        return None
    return max(0, int(float(now_timestamp) - float(timestamp)))


@register.filter
def clock(seconds) -> str:
    """12:05, 1:02:09 (what static/js/floor.js counts on from)."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def state_badge(agent: dict) -> str:
    """The badge of an agent's state: red once a pause (or a ready agent without calls)
    is over its limit, amber near it."""
    if agent.get("level") == "over":
        return "text-bg-danger"
    return BADGES.get(agent.get("state"), "text-bg-secondary")


@register.filter
def row_level(agent: dict) -> str:
    return {"over": "table-danger", "near": "table-warning"}.get(agent.get("level"), "")

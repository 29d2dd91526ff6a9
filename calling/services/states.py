"""Changing an agent's state: the only writer of `StateChange`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AgentState, PauseCode, StateChange, StateSource


def current_state(user) -> StateChange | None:
    """The agent's open state row (None: never signed in to the floor, i.e. offline)."""
    return StateChange.objects.filter(user=user, ended_at__isnull=True).first()


@transaction.atomic
def change_state(
    user,
    state: str,
    *,
    source: str = StateSource.AGENT,
    pause_code: PauseCode | None = None,
    at: datetime | None = None,
    note: str = "",
) -> StateChange:
    """Close the agent's current state and open `state` from `at` (default now).

    Changing to the state the agent is already in (same pause code) changes nothing and
    returns the open row, so phone events and retried tasks are safe to repeat.
    """
    if state not in AgentState.values:
        raise ValidationError({"state": _("Unknown state.")})
    if state == AgentState.PAUSED and pause_code is None:
        raise ValidationError({"pause_code": _("Choose why you pause.")})
    if state != AgentState.PAUSED:
        pause_code = None
    at = at or timezone.now()
    open_row = (
        StateChange.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    )
    if open_row is not None:
        if open_row.state == state and open_row.pause_code_id == (pause_code and pause_code.pk):
            return open_row
        open_row.ended_at = max(at, open_row.started_at)
        open_row.save(update_fields=["ended_at"])
    elif state == AgentState.OFFLINE:
        # Nothing open and going offline: there is nothing to record.
        return StateChange(user=user, state=state, started_at=at, source=source)
    return StateChange.objects.create(
        user=user, state=state, pause_code=pause_code, started_at=at, source=source, note=note
    )

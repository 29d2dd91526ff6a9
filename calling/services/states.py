"""Changing an agent's state: the only writer of `StateChange`, and the jobs that end
wrap-up and idle states by themselves."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AgentState, FloorPolicy, FloorPresence, PauseCode, StateChange, StateSource

# The states an agent may choose from the header control or the API (the phone system
# sets on a call and wrap-up; an agent may still end wrap-up by becoming ready).
AGENT_CHOICES = (AgentState.READY, AgentState.PAUSED, AgentState.OFFLINE)
# States the idle timeout ends (never a call in progress).
IDLE_ENDS = (AgentState.READY, AgentState.PAUSED, AgentState.WRAP_UP)
# The heartbeat moves `FloorPresence.seen_at` at most this often.
PRESENCE_STEP = dt.timedelta(seconds=30)


def current_state(user) -> StateChange | None:
    """The agent's open state row (None: never signed in to the floor, i.e. offline)."""
    return (
        StateChange.objects.filter(user=user, ended_at__isnull=True)
        .select_related("pause_code")
        .first()
    )


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
    returns the open row, so phone events and retried tasks are safe to repeat. An agent
    (source `agent`) may choose ready, paused (with an active code) or offline; the phone
    system, timeouts, sign-out and supervisors may set any state.
    """
    if state not in AgentState.values:
        raise ValidationError({"state": _("Unknown state.")})
    if source not in StateSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if source == StateSource.AGENT and state not in AGENT_CHOICES:
        raise ValidationError({"state": _("The phone system sets this state.")})
    if state == AgentState.PAUSED and pause_code is None:
        raise ValidationError({"pause_code": _("Choose why you pause.")})
    if state == AgentState.PAUSED and source == StateSource.AGENT and not pause_code.active:
        raise ValidationError({"pause_code": _("This pause code is no longer in use.")})
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
        at = open_row.ended_at
    elif state == AgentState.OFFLINE:
        # Nothing open and going offline: there is nothing to record.
        return StateChange(user=user, state=state, started_at=at, source=source)
    if source == StateSource.AGENT:
        note_presence(user, at=at)
    return StateChange.objects.create(
        user=user, state=state, pause_code=pause_code, started_at=at, source=source, note=note
    )


def note_presence(user, *, at: datetime | None = None) -> None:
    """The agent did something in the CRM: move `seen_at` forward (at most every 30 s, one
    statement; the row is made the first time)."""
    at = at or timezone.now()
    moved = FloorPresence.objects.filter(user=user, seen_at__lt=at - PRESENCE_STEP).update(
        seen_at=at
    )
    if not moved:
        FloorPresence.objects.get_or_create(user=user, defaults={"seen_at": at})


def wrap_up_sweep(*, now: datetime | None = None) -> int:
    """End every wrap-up older than the policy's wrap-up time: the agent is ready again
    from the moment it ran out (source timeout). Idempotent: a wrap-up already ended, by
    this job or by the agent, is skipped. Returns how many ended."""
    now = now or timezone.now()
    limit = dt.timedelta(seconds=FloorPolicy.cached().wrap_up_seconds)
    due = StateChange.objects.filter(
        ended_at__isnull=True, state=AgentState.WRAP_UP, started_at__lte=now - limit
    ).values_list("pk", flat=True)
    ended = 0
    for row_id in list(due):
        ended += _end_wrap_up(row_id, limit=limit)
    return ended


@transaction.atomic
def _end_wrap_up(row_id: int, *, limit: dt.timedelta) -> int:
    row = (
        StateChange.objects.select_for_update(skip_locked=True)
        .filter(pk=row_id, ended_at__isnull=True, state=AgentState.WRAP_UP)
        .select_related("user")
        .first()
    )
    if row is None:
        return 0
    change_state(row.user, AgentState.READY, source=StateSource.TIMEOUT, at=row.started_at + limit)
    return 1


def idle_sweep(*, now: datetime | None = None) -> int:
    """Agents with no activity for the policy's idle timeout go offline (source timeout).

    Activity is the later of the agent's last heartbeat (`FloorPresence`) and the start of
    their current state; a call in progress never times out. Idempotent."""
    now = now or timezone.now()
    minutes = FloorPolicy.cached().idle_timeout_minutes
    if not minutes:
        return 0
    cutoff = now - dt.timedelta(minutes=minutes)
    seen = FloorPresence.objects.filter(user=OuterRef("user")).values("seen_at")[:1]
    due = (
        StateChange.objects.filter(
            ended_at__isnull=True, state__in=IDLE_ENDS, started_at__lte=cutoff
        )
        .annotate(active_at=Greatest(F("started_at"), Coalesce(Subquery(seen), F("started_at"))))
        .filter(active_at__lte=cutoff)
        .values_list("pk", flat=True)
    )
    return sum(_end_idle(row_id, now=now) for row_id in list(due))


@transaction.atomic
def _end_idle(row_id: int, *, now: datetime) -> int:
    row = (
        StateChange.objects.select_for_update(skip_locked=True)
        .filter(pk=row_id, ended_at__isnull=True, state__in=IDLE_ENDS)
        .select_related("user")
        .first()
    )
    if row is None:
        return 0
    change_state(row.user, AgentState.OFFLINE, source=StateSource.TIMEOUT, at=now)
    return 1


def sign_out(user) -> None:
    """The agent signed out: offline (source sign-out)."""
    change_state(user, AgentState.OFFLINE, source=StateSource.SIGN_OUT)

"""Who sees and does what on the calling floor.

* Agents and team managers take calls: they have the state control in the header and set
  their own state (`takes_calls`). Heads, inspectors and administrators do not take calls,
  so they have no state of their own to set.
* An agent sees their own state rows; a manager their team's; a head their subtree's;
  admins and inspectors everyone's (`visible_state_changes`, on `crm.access.restrict`).
* Pause codes are the center's configuration: every member reads them, administrators
  write them and the floor policy (`can_configure_floor`).
* The dialer is for those who work leads (`can_dial`); a call (and so its recording) is
  seen by its agent, their team's manager, the heads above the team, and by inspectors and
  admins; anything else answers 404 like a missing call.
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import restrict, scope_of
from crm.models import Role
from leads import access as leads_access
from leads.models import Call

from .models import FloorPolicy, PauseCode, PhoneCall, RecordingPlayback, StateChange

CALL_TAKING_ROLES = frozenset({Role.AGENT, Role.TEAM_MANAGER})


def takes_calls(user) -> bool:
    return scope_of(user).role in CALL_TAKING_ROLES


def can_configure_floor(user) -> bool:
    return scope_of(user).is_admin


def visible_state_changes(user) -> QuerySet[StateChange]:
    return restrict(StateChange.objects.all(), user, owner="user")


def visible_pause_codes(user) -> QuerySet[PauseCode]:
    if scope_of(user).user_id is None:
        return PauseCode.objects.none()
    return PauseCode.objects.all()


def visible_floor_policy(user) -> QuerySet[FloorPolicy]:
    if scope_of(user).user_id is None:
        return FloorPolicy.objects.none()
    return FloorPolicy.objects.all()


def can_dial(user) -> bool:
    """A calling session is for those who work leads: agents and managers."""
    return leads_access.can_work_leads(user)


def can_configure_phone(user) -> bool:
    return scope_of(user).is_admin


def visible_calls(user) -> QuerySet[Call]:
    """Calls whose page and recording `user` may open (their agent's scope)."""
    return leads_access.visible_calls(user)


def can_hear(user, call: Call) -> bool:
    return visible_calls(user).filter(pk=call.pk).exists()


def visible_phone_calls(user) -> QuerySet[PhoneCall]:
    return restrict(PhoneCall.objects.all(), user, owner="agent")


def visible_playbacks(user) -> QuerySet[RecordingPlayback]:
    """Who listened to what: admins and inspectors all; managers and heads their scope's
    listeners; an agent their own listening."""
    return restrict(RecordingPlayback.objects.all(), user, owner="user")

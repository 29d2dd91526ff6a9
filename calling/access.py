"""Who sees and does what on the calling floor.

* Agents and team managers take calls: they have the state control in the header and set
  their own state (`takes_calls`). Heads, inspectors and administrators do not take calls,
  so they have no state of their own to set.
* An agent sees their own state rows; a manager their team's; a head their subtree's;
  admins and inspectors everyone's (`visible_state_changes`, on `crm.access.restrict`).
* Pause codes are the center's configuration: every member reads them, administrators
  write them and the floor policy (`can_configure_floor`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import restrict, scope_of
from crm.models import Role

from .models import FloorPolicy, PauseCode, StateChange

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

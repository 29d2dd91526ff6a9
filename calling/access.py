"""Who may use the dialer, hear which recordings and see which phone-system records.

Built on the scope kernel (`crm.access.restrict`), like every app's rules: a call (and so
its recording) is seen by its agent, their team's manager, the heads above the team, and
by inspectors and admins; anything else answers 404 like a missing call.
"""

from __future__ import annotations

from django.db.models import QuerySet

from crm.access import restrict, scope_of
from leads import access as leads_access
from leads.models import Call

from .models import PhoneCall, RecordingPlayback


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

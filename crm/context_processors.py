"""The navigation that fits the signed-in user's role (entries: `crm.navigation`)."""

from . import access
from . import navigation as menu
from .prepared import Prepared
from .two_factor.policy import owes_second_step

# On every page: built and compiled once per connection (crm/prepared.py).
_unread = Prepared(
    lambda user_id: (
        access.notifications_of(user_id).filter(read_at__isnull=True).order_by("-created_at")[:10]
    ),
    user_id=int,
)


def navigation(request):
    user = getattr(request, "user", None)
    scope = access.scope_of(user)
    if scope.user_id is None:
        return {"nav_items": [], "user_role": None}
    if owes_second_step(request):
        # At the code or enrolment step: no menu, and no notification text (customers'
        # names) before the second factor.
        return {"nav_items": [], "user_role": scope.role, "user_scope": scope}
    items = menu.items_for(user, scope.role)
    # One query: up to ten unread, newest first; the badge shows "9+" beyond nine.
    unread = _unread(user_id=scope.user_id)
    return {
        "nav_items": items,
        "user_role": scope.role,
        "user_scope": scope,
        "unread_notifications": unread[:9],
        "unread_more": len(unread) > 9,
    }

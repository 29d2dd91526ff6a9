"""What the training API's views share: who may write."""

from __future__ import annotations

from rest_framework import permissions

from crm import access
from crm.api_defaults import IsActiveStaff


class ReadOrRule(IsActiveStaff):
    """Reading follows the scope; writing needs the view's `write_rule` (a `crm.access`
    predicate); an action may name its own in `action_rules`."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        rules = getattr(view, "action_rules", {})
        rule = rules.get(view.action)
        if rule is None:
            if request.method in permissions.SAFE_METHODS:
                return True
            rule = view.write_rule
        return bool(rule(request.user))


def visible_members_with_user(user):
    return access.visible_members(user).select_related("user")

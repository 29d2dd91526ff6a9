"""Signing in and who is signed in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .prepared import Prepared

# Run on every signed-in request: compiled once per connection (crm/prepared.py).
_user_with_member = Prepared(
    lambda user_id: get_user_model()._default_manager.select_related("member").filter(pk=user_id),
    user_id=int,
)


class MemberBackend(ModelBackend):
    """Django's username and password backend, reading the signed-in user's member row
    (role, team, status) in the same query as the user.

    Every page asks `crm.access` what the user may see, which needs the member row: with
    the join it is one query a request instead of two.
    """

    def get_user(self, user_id):
        try:
            found = _user_with_member(user_id=int(user_id))
        except (TypeError, ValueError):
            return None
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None

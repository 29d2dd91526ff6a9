"""Signing in and who is signed in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MemberBackend(ModelBackend):
    """Django's username and password backend, reading the signed-in user's member row
    (role, team, status) in the same query as the user.

    Every page asks `crm.access` what the user may see, which needs the member row: with
    the join it is one query a request instead of two.
    """

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("member").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

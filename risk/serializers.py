"""Serializer fields that apply the risk policy (used by every app's API)."""

from __future__ import annotations

from rest_framework import serializers

from .access import phone_for


class PhoneField(serializers.CharField):
    """A customer's phone as the caller may see it (`risk.access.phone_for`): full for
    the roles the risk policy names, masked (`139****0945`) for everyone else. Every API
    of every app serializes phones through this."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "E.164, or masked (139****0945) for roles without access")
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        return phone_for(getattr(request, "user", None), value)

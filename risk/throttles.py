"""API rate limits: per signed-in user (token or session) and per address for anonymous
calls. Rates come from settings (`API_RATE_USER`, `API_RATE_ANON`, e.g. "600/min"),
read per request so a deployment or a test can change them."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PerUserThrottle(UserRateThrottle):
    scope = "user"

    def get_rate(self):
        return settings.API_RATE_USER


class PerAddressThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self):
        return settings.API_RATE_ANON

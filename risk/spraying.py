"""Password spraying: one address trying a password across many accounts.

django-axes locks a (username, address) pair after `AXES_FAILURE_LIMIT` failures, which
never stops one password tried once against every username. Axes keeps a row per pair it
saw fail (`AccessAttempt`), in the database every web process shares: an address that
failed for `AXES_SPRAY_ACCOUNT_LIMIT` different accounts within `AXES_COOLOFF_TIME` is
refused for every account until the oldest of those failures is that old.
"""

from __future__ import annotations

import logging

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

logger = logging.getLogger(__name__)


def accounts_failed_from(address: str) -> int:
    """How many different accounts `address` failed to sign in to within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )


def address_is_spraying(address: str | None) -> bool:
    return bool(address) and accounts_failed_from(address) >= settings.AXES_SPRAY_ACCOUNT_LIMIT


class SprayGuardBackend:
    """First in `AUTHENTICATION_BACKENDS`: refuses every sign-in from a spraying address
    (the form, the token endpoint and the admin alike), before any password is checked.

    It has no `get_user`: it never signs anybody in, so sessions never name it."""

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        address = get_client_ip_address(request)
        if address_is_spraying(address):
            logger.warning("sign-in refused: address failed for many accounts")
            raise PermissionDenied
        return None

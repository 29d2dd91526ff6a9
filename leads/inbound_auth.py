"""API keys for machines that post leads: web forms, landing pages, ad platforms.

A key reads `<prefix>.<secret>`. The prefix finds the row; only a SHA-256 of the secret is
stored and it is compared in constant time, so a leaked database does not leak keys and
timing does not reveal them. The plaintext is shown once, when issued. A request with a
key is not a user: `request.user` stays anonymous and `request.auth` is the InboundKey, so
the key can reach the inbound endpoint and nothing else (every other API view requires a
staff member).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from .models import Campaign, Channel, InboundKey

HEADER = "X-Api-Key"
# last_used_at is for admins spotting dead keys; one write a minute per key is plenty.
_LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def inbound_key_issue(
    *, name: str, channel: str = Channel.WEB_FORM, campaign: Campaign | None = None
) -> tuple[InboundKey, str]:
    """Create a key; return it with its plaintext, which is not stored and not shown again."""
    while True:
        prefix = secrets.token_hex(4)
        if not InboundKey.objects.filter(prefix=prefix).exists():
            break
    secret = secrets.token_urlsafe(32)
    key = InboundKey.objects.create(
        name=name, prefix=prefix, key_hash=_hash(secret), channel=channel, campaign=campaign
    )
    return key, f"{prefix}.{secret}"


@transaction.atomic
def inbound_key_deactivate(*, key: InboundKey) -> InboundKey:
    key.is_active = False
    key.save(update_fields=["is_active"])
    return key


def inbound_key_check(plaintext: str) -> InboundKey | None:
    """The active key this plaintext is, or None."""
    prefix, dot, secret = (plaintext or "").strip().partition(".")
    if not dot or not prefix or not secret or len(prefix) > 8:
        return None
    key = InboundKey.objects.select_related("campaign").filter(prefix=prefix).first()
    # Compare even for a missing key, so a wrong prefix takes as long as a wrong secret.
    expected = key.key_hash if key else _hash(secrets.token_urlsafe(32))
    if not hmac.compare_digest(expected, _hash(secret)) or key is None or not key.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        InboundKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


class InboundKeyAuthentication(authentication.BaseAuthentication):
    """`X-Api-Key: <prefix>.<secret>` → (AnonymousUser, InboundKey)."""

    def authenticate(self, request):
        plaintext = request.headers.get(HEADER)
        if not plaintext:
            return None
        key = inbound_key_check(plaintext)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or inactive API key."))
        return AnonymousUser(), key

    def authenticate_header(self, request) -> str:
        return HEADER


class HasInboundKey(permissions.BasePermission):
    """The request carries a valid inbound key (see InboundKeyAuthentication)."""

    message = _("An API key (header X-Api-Key) is required.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, InboundKey)


class InboundKeyThrottle(throttling.SimpleRateThrottle):
    """Per key, so one noisy form cannot starve the others. Rate: the "inbound" entry of
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], else 120 a minute."""

    scope = "inbound"
    rate: str | None = None  # from get_rate() unless set here

    def get_rate(self):
        try:
            return super().get_rate()
        except ImproperlyConfigured:  # the settings name no rate for this scope
            return "120/min"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, InboundKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class InboundKeyScheme(OpenApiAuthenticationExtension):
    """Documents the key header in /api/schema/ (registered by being defined)."""

    target_class = InboundKeyAuthentication
    name = "InboundKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER}

"""Two-factor actions: enrol, verify a code, recovery codes, turn off, reset.

Plain keyword-only functions, like every service. Each security event is sent as
`signals.two_factor_event` for the audit trail. Codes never leave this module in an event.
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.services import user_revoke_access

from . import policy
from .signals import (
    CODE_REFUSED,
    DISABLED,
    ENROLLED,
    RECOVERY_CODE_USED,
    RECOVERY_CODES_RENEWED,
    RESET,
    two_factor_event,
)

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
_TOTP_CODE = re.compile(r"^\d{6}$")
_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Verification:
    """What became of a code: the device that took it, or why none did."""

    device: object | None
    recovery: bool = False
    wait_until: datetime | None = None  # throttled: no code is checked before then

    @property
    def ok(self) -> bool:
        return self.device is not None


def _send(event: str, *, user, actor, **detail) -> None:
    two_factor_event.send(sender=TOTPDevice, user=user, actor=actor, event=event, detail=detail)


def has_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def confirmed_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_pending(*, user) -> TOTPDevice:
    """The authenticator being set up: made once, shown (QR code and key) until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand: base32 in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[index : index + 4] for index in range(0, len(key), 4))


def normalize_code(code: str) -> str:
    return _SEPARATORS.sub("", str(code or "")).lower()[:32]


def _wait_until(device) -> datetime | None:
    allowed, data = device.verify_is_allowed()
    return None if allowed else (data or {}).get("locked_until")


def authenticator_confirm(*, user, code: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows: it replaces any earlier one,
    and a fresh set of recovery codes is made and returned (shown once).

    A wrong code is refused after its throttling is saved (outside the transaction that
    enrols), so the waits between tries hold here too."""
    token = normalize_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).last()
        if device is None:
            raise ValidationError(
                {"code": _("Start the set-up again: no authenticator is waiting.")}
            )
        wait = _wait_until(device)
        accepted = wait is None and bool(_TOTP_CODE.match(token)) and device.verify_token(token)
    if wait is not None:
        raise ValidationError({"code": _throttled_message(wait)})
    if not accepted:
        raise ValidationError(
            {"code": _("That code is not right. Enter the 6 digits your app shows now.")}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_make(user=user)
        _send(ENROLLED, user=user, actor=user, recovery_codes=len(codes))
    return codes


def _recovery_codes_make(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_renew(*, user, code: str) -> list[str]:
    """A new set of ten recovery codes (the old ones stop working), after a current code."""
    verification = code_verify(user=user, code=code, channel="web", allow_recovery=False)
    if not verification.ok:
        raise ValidationError({"code": refusal_message(verification)})
    with transaction.atomic():
        codes = _recovery_codes_make(user=user)
        _send(RECOVERY_CODES_RENEWED, user=user, actor=user, recovery_codes=len(codes))
    return codes


def code_verify(*, user, code: str, channel: str, allow_recovery: bool = True) -> Verification:
    """Check a code from the user's authenticator (6 digits), or one of their recovery codes
    (used up when it works). Throttled per device by django-otp: while every device waits,
    nothing is checked. Every refusal is audited; the outcome is committed either way."""
    token = normalize_code(code)
    recovery = not _TOTP_CODE.match(token)
    with transaction.atomic():
        if not recovery:
            candidates = list(
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        elif allow_recovery and token:
            candidates = list(
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        else:
            candidates = []
        waits = {device.pk: _wait_until(device) for device in candidates}
        allowed = [device for device in candidates if waits[device.pk] is None]
        for device in allowed:
            if device.verify_token(token):
                if recovery:
                    _send(
                        RECOVERY_CODE_USED,
                        user=user,
                        actor=user,
                        channel=channel,
                        recovery_codes_left=device.token_set.count(),
                    )
                return Verification(device=device, recovery=recovery)
        throttled = bool(candidates) and not allowed
        _send(
            CODE_REFUSED,
            user=user,
            actor=user,
            channel=channel,
            kind="recovery" if recovery else "authenticator",
            throttled=throttled,
        )
    wait_until = min(wait for wait in waits.values() if wait) if throttled else None
    return Verification(device=None, recovery=recovery, wait_until=wait_until)


def _throttled_message(wait: datetime) -> str:
    seconds = max(1, int((wait - timezone.now()).total_seconds()) + 1)
    return ngettext(
        "Too many wrong codes: try again in %(seconds)s second.",
        "Too many wrong codes: try again in %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}


def refusal_message(verification: Verification) -> str:
    if verification.wait_until is not None:
        return _throttled_message(verification.wait_until)
    return _("That code is not right.")


def two_factor_disable(*, user, code: str) -> None:
    """The user turns their second factor off (after a current code); not for the roles
    that must use it, who can only replace their authenticator."""
    if policy.is_required(user):
        raise PermissionDenied(_("Your role must sign in with two-factor authentication."))
    verification = code_verify(user=user, code=code, channel="web")
    if not verification.ok:
        raise ValidationError({"code": refusal_message(verification)})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _send(DISABLED, user=user, actor=user)


@transaction.atomic
def two_factor_reset(*, user, by) -> bool:
    """An administrator removes `user`'s authenticator and recovery codes (a lost phone):
    their sessions and API tokens end, and they set up again at their next sign-in if their
    role requires it. Returns whether there was anything to remove."""
    if user.pk == by.pk:
        raise ValidationError(_("Use your own two-factor page to replace your authenticator."))
    had = has_device(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_revoke_access(user=user)
    _send(RESET, user=user, actor=by, had_device=had)
    return had

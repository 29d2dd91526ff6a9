"""Who must use a second factor, and what a signed-in session still has to do."""

from __future__ import annotations

from django.conf import settings
from django_otp import user_has_device

from crm.models import Role

#: The session's two-factor state, set at sign-in (`session_state_on_login`).
SESSION_KEY = "crm_two_factor"
NONE = "none"  # nothing to do: no device, and the role does not require one
DEVICE = "device"  # has a confirmed device: the session must pass the code step
ENROL = "enrol"  # a required role without a device: must enrol first


def role_of(user) -> str | None:
    """The user's role for this rule: superusers count as administrators."""
    if getattr(user, "is_superuser", False):
        return Role.ADMIN.value
    member = getattr(user, "member", None)
    return member.role if member is not None else None


def is_required(user) -> bool:
    """Must `user` sign in with a second factor (admins and heads by default)?"""
    return role_of(user) in set(settings.OTP_REQUIRED_ROLES)


def state_for(user) -> str:
    if user_has_device(user, confirmed=True):
        return DEVICE
    return ENROL if is_required(user) else NONE


def session_state_on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: decide once what this session must do (a query at sign-in, none
    on each page). force_login in tests goes through here too."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = state_for(user)


def owes_second_step(request) -> bool:
    """Is this signed-in session still at the code or enrolment step? (No query for a
    session with nothing to do; the gate has already read the device for the others.)"""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) not in (DEVICE, ENROL):
        return False
    is_verified = getattr(request.user, "is_verified", None)
    return not (is_verified is not None and is_verified())

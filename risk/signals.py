"""Receivers the risk controls need beyond the audit trail (see `risk.audit`), and the
signal risk sends when numbers go on the do-not-call list."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal

from crm.services import user_revoke_access
from crm.two_factor.signals import two_factor_event

#: Numbers were put on the do-not-call list: `reasons` maps each new E.164 number to why.
#: Sent inside the transaction that adds them (sender: `risk.models.DoNotCall`), so what
#: receivers do (leads closes the open leads of those numbers) commits with the entries.
number_blocked = Signal()


def _before_user_save(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._risk_was_active = None
    instance._risk_password_changed = False
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"is_active", "password"} & set(update_fields):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values("is_active", "password").first()
    if stored is None:
        return
    instance._risk_was_active = stored["is_active"]
    instance._risk_password_changed = stored["password"] != instance.password


def _after_user_save(sender, instance, raw=False, **kwargs):
    """An account deactivated anywhere (the admin's checkbox too) loses its access at once;
    so do the other sessions and every API token of an account whose password changed.

    The browser that changed its own password stays signed in: Django's password change
    view moves that session to a new key (`update_session_auth_hash`) after this ran.
    """
    if raw:
        return
    deactivated = getattr(instance, "_risk_was_active", None) and not instance.is_active
    if deactivated or getattr(instance, "_risk_password_changed", False):
        user_revoke_access(user=instance)


def _record_two_factor(sender, *, user, actor, event, detail, **kwargs):
    """Two-factor sign-in events (the kernel's `two_factor_event`) go to the audit trail."""
    from .audit import record_security

    record_security(event=event, user=user, actor=actor, detail=detail)


def connect() -> None:
    two_factor_event.connect(_record_two_factor, dispatch_uid="risk.two_factor_event")
    user_model = get_user_model()
    pre_save.connect(_before_user_save, sender=user_model, dispatch_uid="risk.user_before")
    post_save.connect(_after_user_save, sender=user_model, dispatch_uid="risk.user_after")

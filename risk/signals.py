"""Receivers the risk controls need beyond the audit trail (see `risk.audit`), and the
signal risk sends when numbers go on the do-not-call list."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal

#: Numbers were put on the do-not-call list: `reasons` maps each new E.164 number to why.
#: Sent inside the transaction that adds them (sender: `risk.models.DoNotCall`), so what
#: receivers do (leads closes the open leads of those numbers) commits with the entries.
number_blocked = Signal()


def _before_user_save(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._risk_was_active = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    instance._risk_was_active = (
        sender._base_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )


def _after_user_save(sender, instance, raw=False, **kwargs):
    """An account deactivated anywhere (the admin's checkbox too) loses its access at once."""
    if raw or not getattr(instance, "_risk_was_active", None) or instance.is_active:
        return
    from crm.services import user_revoke_access

    user_revoke_access(user=instance)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_before_user_save, sender=user_model, dispatch_uid="risk.user_before")
    post_save.connect(_after_user_save, sender=user_model, dispatch_uid="risk.user_after")

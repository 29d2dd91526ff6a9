"""Saving and deleting a setting: one transaction, the audit trail naming who did it.

Each kind of setting is a model whose own validation the form ran; what a change must set
off (scorecards recomputed after an indicator or weight changed, a product's audit through
its catalog service) is the section's `after_save`, run in the same transaction. Cached
settings are forgotten by `crm.config.forget_on_change` (a save or delete of the row) in
this process at once and in the others within `CONFIG_CACHE_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Model

from risk.audit import acting_as


@transaction.atomic
def setting_save(*, form, by, after_save: Callable[[Model], None] | None = None) -> Model:
    """Save the (validated) form's row and its many-to-many fields as `by`."""
    with acting_as(by):
        instance = form.save()
        if after_save is not None:
            after_save(instance)
    return instance


@transaction.atomic
def setting_delete(*, instance: Model, by, after_save: Callable[[Model], None] | None = None):
    with acting_as(by):
        instance.delete()
        if after_save is not None:
            after_save(instance)

"""Retention: how long each kind of personal data is kept (PIPL), as hooks the apps offer.

Each app that holds a kind of data to purge lists it in `<app>/retention.py` as `KINDS`
(`RetentionKind`: a code, a label, a default period in days and a `purge` function);
`kinds()` collects them from the installed apps by name, as `crm.periodic` collects beat
entries, so the kernel imports no business app. The risk app keeps the periods admins set
(`risk.models.RetentionPolicy`) and runs them all nightly (`risk.services.apply_retention`),
writing a report (`risk.models.RetentionRun`).

A `purge(*, cutoff, now, dry_run)` removes (or anonymizes) what is older than `cutoff` and
returns how many rows it touched (would touch, with `dry_run`). It must be set-based
(batched statements, never a Python loop over every row) and idempotent: what it already
purged is not matched again, so a second run counts 0. The kernel's own kinds follow:
notifications, sessions and sign-in records, API tokens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: Rows per statement: big enough to be quick, small enough not to hold locks for long.
BATCH_SIZE = 2000


@dataclass(frozen=True)
class RetentionKind:
    code: str
    label: str | Promise
    default_days: int
    purge: Callable[..., int]
    help_text: str | Promise = ""


def kinds() -> dict[str, RetentionKind]:
    """Every installed app's `KINDS` (`<app>.retention`), by code, in app order."""
    found: dict[str, RetentionKind] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.retention"
        if "." in config.name or find_spec(module_name) is None:
            continue
        for kind in import_module(module_name).KINDS:
            if kind.code in found:
                raise ValueError(f"two retention kinds are named {kind.code!r}")
            found[kind.code] = kind
    return found


def delete_in_batches(queryset: QuerySet, *, dry_run: bool, batch_size: int = BATCH_SIZE) -> int:
    """Delete what `queryset` matches, `batch_size` rows a statement (each batch its own
    transaction), and return how many went. With `dry_run`, only count them."""
    if dry_run:
        return queryset.count()
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            model._base_manager.filter(pk__in=ids).delete()
        total += len(ids)


def update_in_batches(
    queryset: QuerySet,
    *,
    dry_run: bool,
    values: dict | None = None,
    apply: Callable[[list], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Update what `queryset` matches in batches: `values` (an `update()`), or `apply(ids)`
    for several statements per batch, in one transaction. The queryset must stop matching
    a row once it is updated, or this would never end (that is also what makes it
    idempotent)."""
    if dry_run:
        return queryset.count()
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            if values is not None:
                model._base_manager.filter(pk__in=ids).update(**values)
            if apply is not None:
                apply(ids)
        total += len(ids)


# --- the kernel's own kinds ---------------------------------------------------------------


def _purge_notifications(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    from .models import Notification

    return delete_in_batches(Notification.objects.filter(created_at__lt=cutoff), dry_run=dry_run)


def _purge_sessions(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    """Expired sessions (what `clearsessions` removes, whatever the period), and sign-in
    records (django-axes: usernames and addresses tried) older than the period."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.models import Session

    total = delete_in_batches(Session.objects.filter(expire_date__lt=now), dry_run=dry_run)
    total += delete_in_batches(AccessLog.objects.filter(attempt_time__lt=cutoff), dry_run=dry_run)
    total += delete_in_batches(
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff), dry_run=dry_run
    )
    total += delete_in_batches(
        AccessAttempt.objects.filter(attempt_time__lt=cutoff), dry_run=dry_run
    )
    return total


def _purge_api_tokens(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    """API tokens issued before the period: their holder asks for a new one."""
    from rest_framework.authtoken.models import Token

    return delete_in_batches(Token.objects.filter(created__lt=cutoff), dry_run=dry_run)


KINDS = [
    RetentionKind(
        "notifications",
        _("Notifications"),
        365,
        _purge_notifications,
        _("Messages in users' headers, read or not."),
    ),
    RetentionKind(
        "sessions",
        _("Sessions and sign-in records"),
        90,
        _purge_sessions,
        _("Expired sessions always; sign-in attempts (names and addresses) after the period."),
    ),
    RetentionKind(
        "api_tokens",
        _("API tokens"),
        365,
        _purge_api_tokens,
        _("Tokens issued longer ago than the period stop working."),
    ),
]

"""Center-wide settings rows (the lead policy, calling hours), kept a few seconds per process.

Nearly every page an agent opens reads them (the worklist marks calling hours, the pool
shows the claim allowance, a follow-up checks the attempt caps): two queries a request
for rows an administrator changes a few times a year.

A change saved through the admin or the ORM (`post_save`, `post_delete`) clears this
process's copy at once; other processes (the other web workers, the Celery worker) read
it again within `CONFIG_CACHE_SECONDS` (default 10 s). 0 turns the cache off (tests do,
so that a row changed with `QuerySet.update()` is seen at once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")
_values: dict[str, tuple[float, object]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    """`load()`'s value, read again once `CONFIG_CACHE_SECONDS` have passed."""
    seconds = getattr(settings, "CONFIG_CACHE_SECONDS", 10)
    if seconds <= 0:
        return load()
    now = time.monotonic()
    held = _values.get(key)
    if held is not None and held[0] > now:
        return held[1]  # type: ignore[return-value]
    value = load()
    _values[key] = (now + seconds, value)
    return value


def forget(*keys: str) -> None:
    """Drop these keys (all of them with none given): the next read loads again."""
    if not keys:
        _values.clear()
    for key in keys:
        _values.pop(key, None)


def forget_on_change(model, *keys: str) -> None:
    """Forget `keys` whenever a `model` row is saved or deleted (from `AppConfig.ready`)."""
    from django.db.models.signals import post_delete, post_save

    def receiver(**_kwargs) -> None:
        forget(*keys)

    uid = f"crm.config:{model._meta.label}:{','.join(keys)}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")

"""The main menu, as a registry: each app adds its own entries, the kernel lists them.

An app declares its entries in a `menus.py` module (found in every installed app when the
kernel starts, like the admin's `admin.py`), so the menu names no business app here.
`items_for(user)` gives the entries the user's role and rules allow, in `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

from .templatetags.fast_urls import reverse_ids as reverse


@dataclass(frozen=True)
class NavEntry:
    #: Where the entry goes in the menu (the same scale for every app and role).
    order: int
    label: Any  # a lazy translation
    url_name: str
    #: The roles the entry is shown to (None: every member).
    roles: frozenset[str] | None = None
    #: A further rule on the user (an `access.can_*` predicate), checked after the roles.
    when: Callable[[Any], bool] | None = None

    def shows_for(self, user, role: str | None) -> bool:
        if self.roles is not None and role not in self.roles:
            return False
        return self.when is None or bool(self.when(user))


_entries: dict[str, NavEntry] = {}


def register(key: str, entry: NavEntry) -> None:
    """Add (or replace) the menu entry `key` ("leads.worklist", ...)."""
    _entries[key] = entry


def register_all(entries: dict[str, NavEntry]) -> None:
    for key, entry in entries.items():
        register(key, entry)


def discover() -> None:
    """Import every installed app's `menus` module (each registers its entries)."""
    autodiscover_modules("menus")


def entries() -> Iterable[NavEntry]:
    return sorted(_entries.values(), key=lambda entry: entry.order)


def items_for(user, role: str | None) -> list[tuple[Any, str]]:
    """(label, url) of the entries `user` (with `role`) is shown, in menu order."""
    return [
        (entry.label, reverse(entry.url_name)) for entry in entries() if entry.shows_for(user, role)
    ]

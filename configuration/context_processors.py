"""The settings section nav on the settings pages that live in an app (the do-not-call
list, inbound keys, targets): when such a page is opened by someone who may open the
settings, `base.html` draws the same nav beside it as on the settings app's own pages."""

from __future__ import annotations

from .access import may_open_settings
from .sections import all_sections, grouped_for

#: The apps' pages that are settings sections (the app's own pages draw the nav themselves).
_LINKED = {
    item.url_name: item.key
    for item in all_sections()
    if item.url_name and not item.url_name.startswith("configuration:")
}


def settings_nav(request) -> dict:
    match = getattr(request, "resolver_match", None)
    key = _LINKED.get(match.view_name) if match is not None else None
    if key is None:
        return {}
    if not may_open_settings(request.user):
        return {}
    return {
        "settings_nav": True,
        "settings_sections": grouped_for(request.user),
        "active_section": key,
    }

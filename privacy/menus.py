"""Requests from people in the main menu (`crm.navigation`): administrators only."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register

from . import access

register(
    "privacy.requests",
    NavEntry(150, _("Privacy requests"), "privacy:list", when=access.can_handle_requests),
)

"""The calling floor's entries in the main menu (`crm.navigation`)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import NavEntry, register_all

register_all(
    {
        "calling.session": NavEntry(
            12,
            _("Start calling"),
            "calling:session",
            roles=frozenset({Role.AGENT, Role.TEAM_MANAGER}),
        ),
        "calling.phone": NavEntry(
            66, _("Phone system"), "calling:phone_settings", roles=frozenset({Role.ADMIN})
        ),
    }
)

"""The calling floor in the main menu (`crm.navigation`): the preview-dialing session for
those who take calls, the phone system for administrators. The agent's own state is not a
menu entry but the control in the header (templates/base.html, for agents and team
managers); the wallboard's entry is performance's."""

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

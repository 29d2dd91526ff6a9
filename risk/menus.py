"""Risk controls in the main menu (`crm.navigation`): the dashboard for admins and heads,
the export log for managers."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register_all

from . import access

register_all(
    {
        "risk.dashboard": NavEntry(140, _("Risk"), "risk:dashboard", when=access.can_see_risk),
        "risk.exports": NavEntry(
            140,
            _("Exports"),
            "risk:exports",
            when=lambda user: not access.can_see_risk(user) and access.can_see_exports(user),
        ),
    }
)

"""Performance in the main menu (`crm.navigation`): each role's own landing (own
scorecard, team dashboard, team comparison), and the live wallboard for managers, heads
and admins."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import NavEntry, register_all

register_all(
    {
        "performance.home": NavEntry(130, _("Performance"), "performance:home"),
        "performance.channels": NavEntry(
            135,
            _("Channels"),
            "performance:channels",
            roles=frozenset({Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.INSPECTOR, Role.ADMIN}),
        ),
        "performance.wallboard": NavEntry(
            134,
            _("Wallboard"),
            "performance:wallboard",
            roles=frozenset({Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN}),
        ),
    }
)

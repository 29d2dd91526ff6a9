"""The org's entries in the main menu (see `crm.navigation`), and the menu's frame."""

from django.utils.translation import gettext_lazy as _

from .models import Role
from .navigation import NavEntry, register_all

SELLERS = frozenset({Role.AGENT, Role.TEAM_MANAGER})
OVERSEERS = frozenset({Role.DEPARTMENT_HEAD, Role.INSPECTOR, Role.ADMIN})

register_all(
    {
        "crm.home": NavEntry(0, _("Home"), "home"),
        "crm.my_team": NavEntry(70, _("My team"), "org:tree", roles=SELLERS),
        "crm.organization": NavEntry(70, _("Organization"), "org:tree", roles=OVERSEERS),
        "crm.team_members": NavEntry(
            80, _("Team members"), "org:members", roles=frozenset({Role.TEAM_MANAGER})
        ),
        "crm.staff": NavEntry(80, _("Staff"), "org:members", roles=OVERSEERS),
        "crm.api": NavEntry(200, _("API"), "api-docs"),
    }
)

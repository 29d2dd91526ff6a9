"""The leads app's entries in the main menu (`crm.navigation`)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import NavEntry, register_all

from . import access

register_all(
    {
        "leads.worklist": NavEntry(
            10, _("Worklist"), "leads:worklist", roles=frozenset({Role.AGENT, Role.TEAM_MANAGER})
        ),
        "leads.team": NavEntry(
            20,
            _("Team leads"),
            "leads:team",
            roles=frozenset({Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.INSPECTOR, Role.ADMIN}),
        ),
        "leads.pool": NavEntry(30, _("Public pool"), "leads:pool"),
        # Agents who take leads import their own lists too (a new hire still in onboarding
        # does not); managers, heads and admins import for the routing rules.
        "leads.imports": NavEntry(
            60,
            _("Imports"),
            "leads:import_list",
            when=lambda user: access.may_import(user, "leads"),
        ),
        "leads.dnc": NavEntry(
            62, _("Do-not-call"), "leads:dnc_list", roles=frozenset({Role.ADMIN})
        ),
        "leads.assignment_rules": NavEntry(
            64, _("Assignment rules"), "leads:assignment_rules", roles=frozenset({Role.ADMIN})
        ),
    }
)

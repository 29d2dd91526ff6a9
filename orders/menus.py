"""The orders app's entries in the main menu (`crm.navigation`)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import NavEntry, register_all

register_all(
    {
        "orders.mine": NavEntry(
            40, _("My orders"), "orders:mine", roles=frozenset({Role.AGENT, Role.TEAM_MANAGER})
        ),
        "orders.team": NavEntry(
            50,
            _("Team orders"),
            "orders:team",
            roles=frozenset({Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.INSPECTOR, Role.ADMIN}),
        ),
        "orders.receivables": NavEntry(
            52,
            _("Receivables"),
            "orders:receivables",
            roles=frozenset(
                {Role.AGENT, Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.INSPECTOR, Role.ADMIN}
            ),
        ),
        "orders.products": NavEntry(
            55, _("Products"), "admin:orders_product_changelist", roles=frozenset({Role.ADMIN})
        ),
    }
)

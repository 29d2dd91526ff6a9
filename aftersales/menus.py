"""After-sales in the main menu (`crm.navigation`): each role's own (or their scope's)
revisits and service tickets."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register_all

register_all(
    {
        "aftersales.revisits": NavEntry(100, _("Revisits"), "aftersales:revisit_list"),
        "aftersales.service": NavEntry(110, _("Service"), "aftersales:ticket_list"),
    }
)

"""Customers in the main menu (`crm.navigation`); the duplicates for those who merge."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register_all

from . import access

register_all(
    {
        "customers.list": NavEntry(40, _("Customers"), "customers:list"),
        "customers.duplicates": NavEntry(
            42, _("Duplicate customers"), "customers:duplicates", when=access.can_merge_customers
        ),
    }
)

"""The Settings entry of the main menu: the settings home (admins; heads for their teams'
settings). The Django admin stays for superusers at /admin/, linked from the home."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavEntry, register

from .access import may_open_settings

register(
    "configuration.home", NavEntry(90, _("Settings"), "configuration:home", when=may_open_settings)
)

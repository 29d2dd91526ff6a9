from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from . import navigation

        # Every app's `menus.py`: its entries in the main menu.
        navigation.discover()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import navigation
        from .two_factor import policy

        # What a new session owes for two-factor sign-in, decided once at sign-in.
        user_logged_in.connect(
            policy.session_state_on_login, dispatch_uid="crm.two_factor.session_state"
        )

        # PostgreSQL timestamps parsed by psycopg's compiled loader (crm/pg_timestamps.py).
        from django.db.backends.signals import connection_created

        from .pg_timestamps import use_compiled_loader

        connection_created.connect(use_compiled_loader, dispatch_uid="crm.pg_timestamps")

        # Every app's `menus.py`: its entries in the main menu.
        navigation.discover()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    """The settings pages: one home listing every section, and the pages of the settings
    that belong to no single app's pages (the top layer: it builds on every app)."""

    name = "configuration"
    verbose_name = _("Settings")

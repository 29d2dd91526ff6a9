from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk controls")

    def ready(self) -> None:
        from . import audit, signals

        audit.register_default_models()
        signals.connect()
        _register_timeline()


def _register_timeline() -> None:
    """A lead's own audit entries on its timeline (one query, newest first)."""
    from leads.selectors.leads import TimelineEntry, newest, timeline_source

    @timeline_source("audit")
    def _audit(lead, limit):
        from .selectors import audit_entries_for

        rows = newest(audit_entries_for("leads.lead", lead.pk).order_by("-at", "-id"), limit)
        return (TimelineEntry(row.at, "audit", row) for row in rows)

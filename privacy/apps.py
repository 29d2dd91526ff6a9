from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal information")

    def ready(self) -> None:
        from django import forms

        from crm import exports
        from risk import audit

        from .models import SubjectRequest
        from .services.requests import EXPORT_KIND

        # Every change of a request (received, handled, its outcome) is in the audit trail.
        audit.track(SubjectRequest, exclude=("updated_at",))
        # The access file's downloads in the export log.
        exports.register_kind(
            EXPORT_KIND,
            label=_("Personal data (a person's request)"),
            fields={"request": forms.IntegerField(label=_("request"))},
        )

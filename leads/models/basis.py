"""Why we may hold a lead's personal data (PIPL art. 13, 17): the lawful basis and the
notice the person was shown, recorded on every capture (`LeadSource`).

Administrators keep the notices in the admin (*Consent notices*): the newest active one
for a channel (else the newest active one for every channel) is applied by default to
each capture by that channel. A notice is never edited once captures cite it (the admin
makes its text read-only then): a new wording is a new version, so a capture always shows
the words the person actually saw. The API and imports may name their own notice
(version and text); it is recorded as a notice of its own, not made anyone's default.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .leads import Channel, LawfulBasis


class ConsentNotice(models.Model):
    version = models.CharField(_("version"), max_length=40, unique=True)
    basis = models.CharField(
        _("lawful basis"), max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT
    )
    text = models.TextField(_("notice or consent text"))
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: the default for every channel without a notice of its own."),
    )
    is_active = models.BooleanField(
        _("applied by default"),
        default=True,
        help_text=_("The newest active notice of a channel is recorded on its captures."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent notice")
        verbose_name_plural = _("consent notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis__in=LawfulBasis.values), name="consentnotice_basis_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_basis_display()})"

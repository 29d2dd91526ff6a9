"""The data basis of a capture (PIPL): the lawful basis and the notice a capture records.

Every door asks here: the form and the API for one capture (`lead_capture`), the inbound
API with what the sender says the person saw, and an import once at upload (the job
keeps it, its rows copy it). Without a notice of its own the capture gets the channel's
current notice (`current_notice`), and its basis; with none configured it records no
notice, which the lead page says plainly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import ConsentNotice, LawfulBasis

NOTICE_VERSION_MAX = 40
NOTICE_TEXT_MAX = 10_000
# A sender's clock may run a little ahead of ours.
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class DataBasis:
    basis: str = ""
    notice: ConsentNotice | None = None
    consented_at: dt.datetime | None = None

    @property
    def notice_id(self) -> int | None:
        return self.notice.pk if self.notice else None


def current_notice(channel: str) -> ConsentNotice | None:
    """The notice captures by `channel` record by default: the newest active notice of
    that channel, else the newest active one for every channel (one indexed query)."""
    own = Case(When(channel=channel, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        ConsentNotice.objects.filter(Q(channel=channel) | Q(channel=""), is_active=True)
        .order_by(own, "-created_at", "-id")
        .first()
    )


def data_basis_for(
    *,
    channel: str,
    basis: str = "",
    notice_version: str = "",
    notice_text: str = "",
    consented_at: dt.datetime | None = None,
) -> DataBasis:
    """What a capture by `channel` records, from what its sender said (if anything).

    A sender naming a notice gives its version and its text together: a version already
    known must come with the same text (a new wording is a new version), an unknown one is
    recorded as a notice of its own, not applied to anyone else's captures. Raises
    ValidationError naming `basis`, `notice_version`, `notice_text` or `consented_at`.
    """
    basis = (basis or "").strip()
    if basis and basis not in LawfulBasis.values:
        raise ValidationError(
            {
                "basis": [
                    _("Unknown lawful basis “%(value)s”; use one of: %(known)s.")
                    % {"value": basis, "known": ", ".join(LawfulBasis.values)}
                ]
            }
        )
    if consented_at is not None:
        if timezone.is_naive(consented_at):
            raise ValidationError({"consented_at": [_("Give the time with its time zone.")]})
        if consented_at > timezone.now() + CONSENT_CLOCK_SKEW:
            raise ValidationError({"consented_at": [_("The consent time is in the future.")]})
    version, text = (notice_version or "").strip(), (notice_text or "").strip()
    notice = _sender_notice(version, text, basis) if version or text else current_notice(channel)
    return DataBasis(
        basis=basis or (notice.basis if notice else ""), notice=notice, consented_at=consented_at
    )


def _sender_notice(version: str, text: str, basis: str) -> ConsentNotice:
    if not version:
        raise ValidationError({"notice_version": [_("Give the notice's version with its text.")]})
    if not text:
        raise ValidationError({"notice_text": [_("Give the notice's text with its version.")]})
    if len(version) > NOTICE_VERSION_MAX:
        raise ValidationError(
            {"notice_version": [_("At most %(limit)d characters.") % {"limit": NOTICE_VERSION_MAX}]}
        )
    if len(text) > NOTICE_TEXT_MAX:
        raise ValidationError(
            {"notice_text": [_("At most %(limit)d characters.") % {"limit": NOTICE_TEXT_MAX}]}
        )
    notice = ConsentNotice.objects.filter(version=version).first()
    if notice is None:
        try:
            with transaction.atomic():
                notice = ConsentNotice.objects.create(
                    version=version,
                    text=text,
                    basis=basis or LawfulBasis.CONSENT,
                    is_active=False,
                )
        except IntegrityError:  # the same version sent a moment ago
            notice = ConsentNotice.objects.get(version=version)
    if notice.text != text:
        raise ValidationError(
            {
                "notice_version": [
                    _(
                        "Notice version “%(version)s” already has another text; give the new "
                        "wording a new version."
                    )
                    % {"version": version}
                ]
            }
        )
    return notice

"""Screening, the step after cleaning: a number on the do-not-call list (免打扰名单, kept by
`risk`) makes no lead and is counted on the risk dashboard; when numbers go on the list,
the open leads of those numbers are closed (`close_leads_for_do_not_call`, which
`leads.receivers` runs on `risk.signals.number_blocked`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from risk.audit import current_actor
from risk.models import DoNotCall, phone_hash
from risk.services import risk_event_record

from ...db.importing import filter_by_phones
from ...models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from ..moves import lead_move_many


def listed_numbers(phones: set[str], *, hashes: dict[str, str] | None = None) -> dict[str, str]:
    """The numbers among `phones` (E.164) that are on the do-not-call list → why.

    `hashes` (each phone's `phone_hash` → the phone) may come computed already, e.g. by an
    import's reader thread while the chunk before was being written."""
    if not phones:
        return {}
    # Numbers kept only as their hash (their person's data was erased) are listed too: one
    # statement asks for both (each side walks its own index).
    if hashes is None:
        hashes = {phone_hash(e164): e164 for e164 in phones}
    rows = (
        filter_by_phones(DoNotCall.objects, phones)
        | filter_by_phones(DoNotCall.objects, set(hashes), field="phone_hash")
    ).values_list("phone", "phone_hash", "reason")
    listed: dict[str, str] = {}
    by_hash: dict[str, str] = {}
    for phone, digest, reason in rows:
        if phone in phones:
            listed[phone] = reason
        elif digest in hashes:
            by_hash[hashes[digest]] = reason
    return {**by_hash, **listed}


class DoNotCallRefused(ValidationError):
    """A capture of a number on the do-not-call list (a field error on "phone")."""

    kind = "dnc_capture"

    def __init__(self, message: str, *, phone: str):
        super().__init__({"phone": [message]})
        self.phone = phone


def refuse_do_not_call(phone_e164: str) -> None:
    """Raise `DoNotCallRefused` if the number is on the do-not-call list."""
    reason = listed_numbers({phone_e164}).get(phone_e164)
    if reason is not None:
        raise DoNotCallRefused(
            _("This number is on the do-not-call list (%(reason)s).") % {"reason": reason},
            phone=phone_e164,
        )


def note_refused(*, by, channel: str, phone: str = "", count: int = 1, detail: str = "") -> None:
    """Count refused captures for the risk dashboard (after the refusal rolled back)."""
    risk_event_record(
        kind=DoNotCallRefused.kind,
        user=by,
        phone=phone,
        channel=channel,
        count=count,
        detail=detail,
    )


def dnc_closed_reason(reason: str) -> str:
    return f"do-not-call: {reason}"[:200]


def close_leads_for_do_not_call(reasons: Mapping[str, str]) -> int:
    """Close the open leads of these numbers (phone → reason); owners and history stay."""
    if not reasons:
        return 0
    leads = Lead.objects.filter(phone__in=list(reasons), status__in=OPEN_STATUSES)
    why = {pk: dnc_closed_reason(reasons[phone]) for pk, phone in leads.values_list("pk", "phone")}
    return lead_move_many(
        leads_qs_or_ids=list(why),
        to=LeadStatus.LOST,
        by=current_actor(),
        why=why,
        source=LeadEvent.Source.DO_NOT_CALL,
    ).moved

"""Logging, answering and closing requests from people. Every step is a `RequestEvent` and,
through the audit registry (`PrivacyConfig.ready`), an entry of the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.phones import InvalidPhone, normalize
from leads.models import Lead
from leads.services.capture.pipeline import lead_update
from risk.audit import acting_as, record_bulk
from risk.services import export_log

from .. import selectors
from ..models import (
    DUE_WORKING_DAYS,
    RequestEvent,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from ..workdays import add_working_days

NAME_LIMIT = 100
DETAILS_LIMIT = 4000
OUTCOME_LIMIT = 4000
#: The kind of the access file in the export log (`risk.ExportRecord`).
EXPORT_KIND = "privacy_access"


def due_date(received_at: dt.datetime) -> dt.date:
    """15 working days after the day the request was received (in the center's time)."""
    return add_working_days(timezone.localdate(received_at), DUE_WORKING_DAYS)


def _event(*, request: SubjectRequest, kind: str, by, note: str = "", data=None) -> RequestEvent:
    """The request's own history, and the same step in the audit trail (a download or a
    correction changes no request field, so no model signal would record it)."""
    by = by if getattr(by, "is_authenticated", False) else None
    event = RequestEvent.objects.create(
        request=request, kind=kind, note=note, data=data or {}, by=by
    )
    with acting_as(by):
        record_bulk(
            model_label="privacy.subjectrequest",
            object_id=f"{request.pk}:{kind}:{event.pk}",
            summary={"request": request.pk, "event": kind, **(data or {})},
            description=f"#{request.pk} {kind}",
        )
    return event


def subject_clean(*, name: str = "", phone: str = "", email: str = "") -> tuple[str, str, str]:
    """The person's name, E.164 number and email as typed, cleaned; errors name the field.
    At least one of the three is needed to find anyone."""
    name = (name or "").strip()
    email = (email or "").strip().lower()
    phone_text = (phone or "").strip()
    errors: dict[str, list[str]] = {}
    e164 = ""
    if phone_text:
        try:
            e164 = normalize(phone_text).e164
        except InvalidPhone as error:
            errors["phone"] = [str(error)]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if len(name) > NAME_LIMIT:
        errors["name"] = [_("Too long: at most %(limit)d characters.") % {"limit": NAME_LIMIT}]
    if not errors and not (name or e164 or email):
        errors["phone"] = [_("Give the person's phone number, email or name.")]
    if errors:
        raise ValidationError(errors)
    return name, e164, email


@transaction.atomic
def request_open(
    *,
    kind: str,
    by,
    name: str = "",
    phone: str = "",
    email: str = "",
    details: str = "",
    leads: Iterable[Lead] = (),
    do_not_call: bool = False,
    received_at: dt.datetime | None = None,
) -> SubjectRequest:
    """Log a person's request, due 15 working days after it was received.

    `leads` are the customer records the admin recognised as the person (found with
    `selectors.find_leads`); leads with the same number or email are found again when the
    request is answered. `do_not_call` (deletion only): the number stays on the
    do-not-call list as a salted hash once erased.
    """
    if kind not in RequestKind.values:
        raise ValidationError({"kind": [_("Unknown kind of request.")]})
    name, e164, email = subject_clean(name=name, phone=phone, email=email)
    details = (details or "").strip()
    if len(details) > DETAILS_LIMIT:
        raise ValidationError(
            {"details": [_("Too long: at most %(limit)d characters.") % {"limit": DETAILS_LIMIT}]}
        )
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        raise ValidationError({"received_at": [_("Give the time with its time zone.")]})
    if received_at > now:
        raise ValidationError({"received_at": [_("A request cannot be received in the future.")]})
    if do_not_call and kind != RequestKind.DELETION:
        raise ValidationError(
            {"do_not_call": [_("Only a deletion request keeps the number off the call lists.")]}
        )
    with acting_as(by):
        request = SubjectRequest.objects.create(
            kind=kind,
            subject_name=name,
            subject_phone=e164,
            subject_email=email,
            details=details,
            do_not_call=do_not_call,
            received_at=received_at,
            due_on=due_date(received_at),
            handled_by=by,
            created_by=by,
        )
        request.leads.set(list(leads))
    _event(request=request, kind=RequestEvent.Kind.RECEIVED, by=by)
    return request


def _open_request(request: SubjectRequest, *, kinds: Iterable[str] | None = None):
    locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("This request is closed."))
    if kinds is not None and locked.kind not in kinds:
        raise ValidationError(_("This is not what this kind of request does."))
    return locked


@transaction.atomic
def request_export(*, request: SubjectRequest, by, ip: str | None = None) -> bytes:
    """The person's data file (JSON, UTF-8): everything the center holds about them
    (`selectors.subject_data`). The download is a request event and an export-log entry.
    Any kind of open request may download it (a correction shows what is held too)."""
    locked = _open_request(request)
    data = selectors.subject_data(locked)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    counts = {
        "customer_records": len(data["customer_records"]),
        "calls": len(data["calls"]),
        "audit_entries": len(data["audit_entries"]),
    }
    _event(request=locked, kind=RequestEvent.Kind.EXPORTED, by=by, data=counts)
    record = export_log(user=by, kind=EXPORT_KIND, query={"request": locked.pk}, fmt="json", ip=ip)
    type(record).objects.filter(pk=record.pk).update(row_count=sum(counts.values()))
    return body


@transaction.atomic
def request_correct(
    *,
    request: SubjectRequest,
    lead: Lead,
    by,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Lead:
    """Correct the person's name, email or phone on one of their customer records, through
    the leads' own edit service (`lead_update`: cleaned, de-duplicated, do-not-call
    checked, rescored, audited). Which fields changed is the request's event; the values
    are in the audit trail of the lead."""
    locked = _open_request(request, kinds=[RequestKind.CORRECTION])
    person = selectors.person_of(locked)
    if lead.pk not in person.lead_ids:
        raise ValidationError({"lead": [_("This customer record is not the person's.")]})
    fields = {
        key: value
        for key, value in (("name", name), ("email", email), ("phone", phone))
        if value is not None
    }
    if not fields:
        raise ValidationError(_("Nothing to correct."))
    before = Lead.objects.filter(pk=lead.pk).values(*fields).get()
    with acting_as(by):
        lead = lead_update(lead=lead, by=by, **fields)
    after = Lead.objects.filter(pk=lead.pk).values(*fields).get()
    changed = sorted(key for key in fields if before[key] != after[key])
    if not changed:
        raise ValidationError(_("Nothing changed: the record already says this."))
    locked.leads.add(lead)
    _event(
        request=locked,
        kind=RequestEvent.Kind.CORRECTED,
        by=by,
        data={"lead": lead.pk, "fields": changed},
    )
    return lead


@transaction.atomic
def request_close(*, request: SubjectRequest, status: str, outcome: str, by) -> SubjectRequest:
    """Close a request as completed or refused, saying what was done (or why not).

    A deletion is completed by `erase_person` itself; here it may only be refused (for
    instance when the person's identity could not be confirmed)."""
    locked = _open_request(request)
    if status not in (RequestStatus.COMPLETED, RequestStatus.REFUSED):
        raise ValidationError({"status": [_("Close a request as completed or refused.")]})
    if status == RequestStatus.COMPLETED and locked.kind == RequestKind.DELETION:
        raise ValidationError(
            {"status": [_("A deletion request is completed by erasing the person's data.")]}
        )
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Say what was done, or why not.")]})
    if len(outcome) > OUTCOME_LIMIT:
        raise ValidationError(
            {"outcome": [_("Too long: at most %(limit)d characters.") % {"limit": OUTCOME_LIMIT}]}
        )
    locked.status = status
    locked.outcome = outcome
    locked.closed_at = timezone.now()
    locked.handled_by = by
    with acting_as(by):
        locked.save(update_fields=["status", "outcome", "closed_at", "handled_by", "updated_at"])
    _event(request=locked, kind=RequestEvent.Kind.CLOSED, by=by, data={"status": status})
    return locked
